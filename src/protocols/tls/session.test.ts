import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsCreateServer } from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTlsAnalyser } from './index.js';
import { ja4, ja3String, md5, parseClientHello, parseCertificate, parseCertificateMessage } from './parser.js';
import type { TlsRecord } from './record.js';
import type { FlowInfo } from '../analyser.js';
import { firstBytes, flowInfoOf, loadFixture, oneByteChunks, replayFixture, runChunks, segmentBytes } from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

const analyser = createTlsAnalyser();
const corpus = join(process.cwd(), '..', 'shared', 'corpus');
const rec = (r: { record: Record<string, unknown> | undefined }): TlsRecord => r.record as unknown as TlsRecord;

/** tshark's JA3 / JA3S / SNI / SAN for one TCP stream of a corpus capture (the reference decoder). */
function tshark(file: string, stream: number): { ja3: string; ja3s: string; sni: string; san: string[] } {
  const out = execFileSync(
    'tshark',
    ['-r', join(corpus, file), '-Y', `tcp.stream == ${stream} && tls.handshake`, '-T', 'fields', '-E', 'separator=\t', '-E', 'aggregator=,', '-e', 'tls.handshake.ja3', '-e', 'tls.handshake.ja3s', '-e', 'tls.handshake.extensions_server_name', '-e', 'x509ce.dNSName'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const res = { ja3: '', ja3s: '', sni: '', san: [] as string[] };
  for (const line of out.split('\n')) {
    const [ja3, ja3s, sni, san] = line.split('\t');
    if (ja3) res.ja3 ||= ja3;
    if (ja3s) res.ja3s ||= ja3s;
    if (sni) res.sni ||= sni;
    if (san && res.san.length === 0) res.san = san.split(',');
  }
  return res;
}

describe('tls analyser on the public corpus (checked against tshark)', () => {
  it('curl to www.ntop.org (443-curl.pcap): SNI, JA3, JA3S and the TLS 1.2 certificate names', () => {
    const r = replayFixture(analyser, 'tls-curl-ntop');
    const t = rec(r);
    const ref = tshark('benign/443-curl.pcap', 0);
    expect(t.sni).toBe(ref.sni);
    expect(t.client_hello?.ja3_hash).toBe(ref.ja3);
    expect(t.server_hello?.ja3s_hash).toBe(ref.ja3s);
    expect(t.version).toBe('TLS 1.2');
    expect(t.certificate_state).toBe('seen');
    expect(t.certificate?.san_dns).toEqual(ref.san);
    expect(t.certificate?.subject_cn).toBe('www.ntop.org');
    expect(r.events.map((e) => e.name)).toEqual(['tls.client_hello', 'tls.server_hello', 'tls.certificate']);
    expect(r.statuses.at(-1)).toEqual({ kind: 'done' });
  });

  it('bfgminer TLS to :3333 with SNI us1.bitminter.com (bitcoin-mining.pcap)', () => {
    const r = replayFixture(analyser, 'tls-bitminter-client-hello');
    const ref = tshark('zeek-cryptomining/bitcoin-mining.pcap', 2);
    expect(rec(r).sni).toBe('us1.bitminter.com');
    expect(rec(r).client_hello?.ja3_hash).toBe(ref.ja3);
    expect(rec(r).client_hello?.ja4).toMatch(/^t1[0-3][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });

  it('in-browser miner TLS to ws027.authedmine.com (coinhive.pcap)', () => {
    const r = replayFixture(analyser, 'tls-authedmine');
    const ref = tshark('zeek-cryptomining/coinhive.pcap', 7);
    expect(rec(r).sni).toBe('ws027.authedmine.com');
    expect(rec(r).client_hello?.ja3_hash).toBe(ref.ja3);
    expect(rec(r).server_hello?.ja3s_hash).toBe(ref.ja3s);
    expect(rec(r).client_hello?.alpn).toEqual(['http/1.1']);
  });

  it('1-byte chunking gives the same record and events', () => {
    const fx = loadFixture('tls-curl-ntop');
    const c = segmentBytes(fx);
    const whole = runChunks(analyser, flowInfoOf(fx), c);
    const bytewise = runChunks(analyser, flowInfoOf(fx), oneByteChunks(c));
    expect(bytewise.record).toEqual(whole.record);
    expect(bytewise.events).toEqual(whole.events);
  });

  it('handshake messages split across many small records give the same result', () => {
    const fx = loadFixture('tls-curl-ntop');
    const c = segmentBytes(fx);
    // Re-frame each direction's handshake records into 37-byte records (RFC 8446 section 5.1
    // allows a handshake message to span records); the rest of the stream is kept as is.
    const reframe = (dir: 0 | 1): Chunk => {
      const all = Buffer.concat(c.filter((x) => x.direction === dir).map((x) => x.data));
      const out: number[] = [];
      let off = 0;
      while (off + 5 <= all.length && all[off] === 0x16) {
        const len = all.readUInt16BE(off + 3);
        const body = all.subarray(off + 5, off + 5 + len);
        for (let i = 0; i < body.length; i += 37) {
          const piece = body.subarray(i, i + 37);
          out.push(0x16, all[off + 1]!, all[off + 2]!, piece.length >> 8, piece.length & 0xff, ...piece);
        }
        off += 5 + len;
      }
      out.push(...all.subarray(off));
      return { direction: dir, tsUs: dir + 1, data: Uint8Array.from(out) };
    };
    const many = createTlsAnalyser({ maxRecords: 1000 });
    const split = runChunks(many, flowInfoOf(fx), [reframe(0), reframe(1)]);
    const whole = runChunks(analyser, flowInfoOf(fx), c);
    expect(rec(split).client_hello).toEqual(rec(whole).client_hello);
    expect(rec(split).certificate).toEqual(rec(whole).certificate);
    expect(rec(split).certificate_state).toBe('seen');
    // With the default maxRecords (32) the fragmented certificate flight is cut short and counted.
    const capped = runChunks(analyser, flowInfoOf(fx), [reframe(0), reframe(1)]);
    expect(capped.anomalies.get('tls.too_many_records')).toBe(1);
    expect(rec(capped).certificate_state).toBe('not_seen');
  });

  it('probe: ClientHello and ServerHello yes; HTTP, stratum and DNS no', () => {
    const fx = loadFixture('tls-curl-ntop');
    expect(analyser.probe(firstBytes(segmentBytes(fx), 0), 0, flowInfoOf(fx))).toBe('yes');
    expect(analyser.probe(firstBytes(segmentBytes(fx), 1), 1, flowInfoOf(fx))).toBe('yes');
    expect(analyser.probe(Uint8Array.from([0x16, 0x03]), 0, flowInfoOf(fx))).toBe('maybe');
    for (const name of ['http-ethproxy', 'stratum-zcash-flypool', 'dns-supportxmr', 'benign-websocket']) {
      const f = loadFixture(name);
      expect(analyser.probe(firstBytes(segmentBytes(f), 0), 0, flowInfoOf(f)), name).toBe('no');
    }
  });
});

/** Build a ClientHello handshake body from parts (RFC 8446 section 4.1.2). */
function clientHelloBody(ciphers: number[], exts: Array<[number, number[]]>): Uint8Array {
  const u16 = (v: number): number[] => [v >> 8, v & 0xff];
  const body: number[] = [...u16(0x0303), ...new Array<number>(32).fill(7), 0];
  body.push(...u16(ciphers.length * 2), ...ciphers.flatMap(u16), 1, 0);
  const e = exts.flatMap(([t, d]) => [...u16(t), ...u16(d.length), ...d]);
  body.push(...u16(e.length), ...e);
  return Uint8Array.from(body);
}

describe('fingerprints', () => {
  // A Chrome 143 ClientHello as published with its fingerprints (browserleaks.com JSON output):
  // ja4 t13d1516h2_8daaf6152771_d8a2da3f94cd, ja3 98487aa16281980e7d1120d399efb6a4. GREASE added to
  // check it is ignored.
  const u16 = (v: number): number[] => [v >> 8, v & 0xff];
  const ciphers = [0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
  const sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
  const sni = [...new TextEncoder().encode('tls.browserleaks.com')];
  const exts: Array<[number, number[]]> = [
    [0x2a2a, []],
    [0x002d, [1, 1]],
    [0x0033, []],
    [0x0010, [...u16(3), 2, 0x68, 0x32]],
    [0xfe0d, []],
    [0x0017, []],
    [0x44cd, []],
    [0x0000, [...u16(sni.length + 3), 0, ...u16(sni.length), ...sni]],
    [0x000b, [1, 0]],
    [0x000a, [...u16(10), ...u16(0x5a5a), ...u16(4588), ...u16(29), ...u16(23), ...u16(24)]],
    [0x002b, [6, ...u16(0x1a1a), ...u16(0x0304), ...u16(0x0303)]],
    [0xff01, [0]],
    [0x0023, []],
    [0x0012, []],
    [0x0005, []],
    [0x000d, [...u16(sigs.length * 2), ...sigs.flatMap(u16)]],
    [0x001b, []],
  ];
  const parsed = parseClientHello(clientHelloBody(ciphers, exts));

  it('JA4 matches the published value', () => {
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.hello.sni).toBe('tls.browserleaks.com');
    expect(ja4(parsed.hello)).toBe('t13d1516h2_8daaf6152771_d8a2da3f94cd');
  });

  it('JA3 string and hash match the published values', () => {
    if (parsed.kind !== 'ok') throw new Error('parse failed');
    const s = ja3String(parsed.hello);
    expect(s).toBe('771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0');
    expect(md5(s)).toBe('98487aa16281980e7d1120d399efb6a4');
  });

  it('JA4 without SNI, ALPN or signature algorithms, and with a non-alphanumeric ALPN', () => {
    const bare = parseClientHello(clientHelloBody([0x002f], [[0x000a, [0, 2, 0, 29]]]));
    if (bare.kind !== 'ok') throw new Error('parse failed');
    expect(ja4(bare.hello)).toMatch(/^t12i010100_[0-9a-f]{12}_[0-9a-f]{12}$/);
    const odd = parseClientHello(clientHelloBody([0x002f], [[0x0010, [0, 3, 2, 0xab, 0x2d]]]));
    if (odd.kind !== 'ok') throw new Error('parse failed');
    expect(ja4(odd.hello).slice(0, 10)).toBe('t12i0101ad');
  });
});

describe('tls with real peers on loopback (Node TLS client and server, openssl-made certificate)', () => {
  let dir = '';
  let key = '';
  let cert = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mw-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=pool.test.example',
      '-addext', 'subjectAltName=DNS:pool.test.example,DNS:*.pool.test.example,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Run one TLS handshake through a recording TCP relay; returns the bytes of each direction. */
  async function handshake(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    let t = 1;
    const server = tlsCreateServer({ key, cert, maxVersion, ALPNProtocols: ['stratum'] }, (s) => s.end('{"id":1}\n'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const relay = createServer((down) => {
      const up = netConnect((server.address() as AddressInfo).port, '127.0.0.1');
      down.on('data', (d: Buffer) => {
        chunks.push({ direction: 0, tsUs: t++, data: Uint8Array.from(d) });
        up.write(d);
      });
      up.on('data', (d: Buffer) => {
        chunks.push({ direction: 1, tsUs: t++, data: Uint8Array.from(d) });
        down.write(d);
      });
      up.on('end', () => down.end());
      down.on('end', () => up.end());
      up.on('error', () => down.destroy());
      down.on('error', () => up.destroy());
    });
    await new Promise<void>((res) => relay.listen(0, '127.0.0.1', res));
    await new Promise<void>((res, rej) => {
      const c = tlsConnect({ port: (relay.address() as AddressInfo).port, host: '127.0.0.1', servername: 'pool.test.example', rejectUnauthorized: false, ALPNProtocols: ['stratum'] });
      c.on('data', () => undefined);
      c.on('end', () => res());
      c.on('error', rej);
    });
    relay.close();
    server.close();
    return chunks;
  }

  const flow: FlowInfo = { flowId: 'f', transport: 'tcp', clientIp: '127.0.0.1', clientPort: 40000, serverIp: '127.0.0.1', serverPort: 443, isOrientationFromSyn: true };

  it('TLS 1.2: the certificate names are read and match openssl', async () => {
    const r = runChunks(analyser, flow, await handshake('TLSv1.2'));
    const t = rec(r);
    expect(t).toMatchObject({ sni: 'pool.test.example', version: 'TLS 1.2', certificate_state: 'seen' });
    expect(t.client_hello?.alpn).toEqual(['stratum']);
    expect(t.certificate).toMatchObject({ subject_cn: 'pool.test.example', issuer_cn: 'pool.test.example', san_dns: ['pool.test.example', '*.pool.test.example'], chain_length: 1 });
    // notAfter as openssl prints it ("Nov 29 12:40:00 2026 GMT") and as UTCTime YYMMDDhhmmssZ.
    const ref = execFileSync('openssl', ['x509', '-noout', '-enddate', '-in', join(dir, 'cert.pem')], { encoding: 'utf8' });
    const na = t.certificate!.not_after!;
    expect(na).toMatch(/^\d{12}Z$/);
    const ours = Date.UTC(2000 + Number(na.slice(0, 2)), Number(na.slice(2, 4)) - 1, Number(na.slice(4, 6)), Number(na.slice(6, 8)), Number(na.slice(8, 10)), Number(na.slice(10, 12)));
    expect(ours).toBe(new Date(ref.trim().replace('notAfter=', '')).getTime());
  });

  it('TLS 1.3: the certificate is encrypted and said so', async () => {
    const r = runChunks(analyser, flow, await handshake('TLSv1.3'));
    const t = rec(r);
    expect(t).toMatchObject({ sni: 'pool.test.example', version: 'TLS 1.3', certificate_state: 'encrypted' });
    expect(t.client_hello?.ja4.startsWith('t13d')).toBe(true);
    expect(r.events.map((e) => e.name)).toEqual(['tls.client_hello', 'tls.server_hello', 'tls.certificate_encrypted']);
  });
});

describe('tls hostile input', () => {
  const flow: FlowInfo = { flowId: 'f', transport: 'tcp', clientIp: 'a', clientPort: 1, serverIp: 'b', serverPort: 443, isOrientationFromSyn: true };

  it('a handshake message over maxHandshakeBytes is an anomaly', () => {
    const small = createTlsAnalyser({ maxHandshakeBytes: 100 });
    const hello = clientHelloBody(new Array<number>(100).fill(0x002f), []);
    const hs = Uint8Array.from([1, 0, hello.length >> 8, hello.length & 0xff, ...hello]);
    const r = runChunks(small, flow, [{ direction: 0, tsUs: 1, data: Uint8Array.from([0x16, 3, 1, hs.length >> 8, hs.length & 0xff, ...hs]) }]);
    expect(r.anomalies.get('tls.handshake_too_long')).toBe(1);
  });

  it('non-TLS bytes are a violation; truncated hellos are anomalies', () => {
    expect(runChunks(analyser, flow, [{ direction: 0, tsUs: 1, data: new TextEncoder().encode('GET / HTTP/1.1\r\n') }]).statuses.at(-1)).toEqual({ kind: 'violation', code: 'tls.not_tls' });
    const r = runChunks(analyser, flow, [{ direction: 0, tsUs: 1, data: Uint8Array.from([0x16, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0]) }]);
    expect(r.anomalies.get('tls.client_hello_truncated')).toBe(1);
  });

  it('certificate parsing refuses garbage without throwing', () => {
    expect(parseCertificate(Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(parseCertificateMessage(Uint8Array.from([0, 0, 9, 0, 0, 20]))).toEqual({ kind: 'error', code: 'bad_length' });
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (parts) => {
        const c = parts.map((data, i) => ({ direction: (i % 2) as 0 | 1, tsUs: i, data: i === 0 ? Uint8Array.from([0x16, 3, 3, ...data]) : data }));
        runChunks(analyser, flow, c);
        for (const p of parts) {
          parseClientHello(p);
          parseCertificate(p);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
