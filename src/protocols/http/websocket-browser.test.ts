// A real browser as the WebSocket client: Chromium (through playwright-core) opens a WebSocket to a
// loopback server through a recording relay and exchanges JSON as in-browser miners do; the HTTP
// analyser reads the recorded bytes (masked client frames, server frames, the 101 upgrade).
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAnalyser } from './index.js';
import type { HttpRecord } from './record.js';
import type { FlowInfo } from '../analyser.js';
import { runChunks } from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

/** A server frame (unmasked, FIN, text). */
function textFrame(s: string): Buffer {
  const p = Buffer.from(s);
  const head = p.length < 126 ? Buffer.from([0x81, p.length]) : Buffer.from([0x81, 126, p.length >> 8, p.length & 0xff]);
  return Buffer.concat([head, p]);
}

const PAGE = '<!doctype html><title>t</title>';
const JOB = '{"type":"job","params":{"job_id":"j7","blob":"0707a1","target":"ffffff00","algo":"cn/r"}}';

let server: Server;
let relay: Server;
const chunks: Chunk[] = [];
let t = 1;

beforeAll(async () => {
  // The origin server: serves a page, and speaks WebSocket (RFC 6455 section 4.2.2) on /proxy.
  server = createServer((sock: Socket) => {
    let buf = Buffer.alloc(0);
    let isUpgraded = false;
    let hasPushedJob = false;
    sock.on('data', (d: Buffer) => {
      if (isUpgraded) {
        // After the client's first text frame (the auth), push one job.
        if ((d[0]! & 0x0f) === 1 && !hasPushedJob) {
          hasPushedJob = true;
          sock.write(textFrame(JOB));
        }
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const key = /Sec-WebSocket-Key: (\S+)/i.exec(head)?.[1];
      if (key === undefined) {
        sock.end(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`);
        return;
      }
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      isUpgraded = true;
      sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const target = (server.address() as AddressInfo).port;
  // The relay forwards everything and records the bytes of the WebSocket connection only.
  relay = createServer((down: Socket) => {
    const up = connect(target, '127.0.0.1');
    let isWs: boolean | undefined;
    const pending: Chunk[] = [];
    down.on('data', (d: Buffer) => {
      isWs ??= d.toString('latin1').toLowerCase().includes('upgrade: websocket');
      if (isWs) pending.push({ direction: 0, tsUs: t++, data: Uint8Array.from(d) });
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      if (isWs) pending.push({ direction: 1, tsUs: t++, data: Uint8Array.from(d) });
      down.write(d);
    });
    down.on('close', () => {
      if (isWs) chunks.push(...pending);
      up.destroy();
    });
    up.on('close', () => down.destroy());
    down.on('error', () => undefined);
    up.on('error', () => undefined);
  });
  await new Promise<void>((res) => relay.listen(0, '127.0.0.1', res));
}, 120_000);

afterAll(() => {
  relay.close();
  server.close();
});

describe('WebSocket from a real browser', () => {
  it('records the JSON message names, the upgrade and the CryptoNote job pushed by the server', async () => {
    const port = (relay.address() as AddressInfo).port;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      const got = await page.evaluate(
        (p) =>
          new Promise<string>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${p}/proxy`);
            ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', params: { site_key: 'k', type: 'anonymous', user: null, goal: 0 } }));
            ws.onmessage = (m) => {
              ws.send(JSON.stringify({ type: 'submit', params: { job_id: 'j7', nonce: '0a0b0c0d', result: 'ff'.repeat(32) } }));
              setTimeout(() => {
                ws.close();
                resolve(String(m.data));
              }, 100);
            };
            ws.onerror = () => reject(new Error('websocket error'));
          }),
        port,
      );
      expect(JSON.parse(got)).toMatchObject({ type: 'job' });
    } finally {
      await browser.close();
    }
    await new Promise((r) => setTimeout(r, 200));
    const flow: FlowInfo = { flowId: 'ws', transport: 'tcp', clientIp: '127.0.0.1', clientPort: 40001, serverIp: '127.0.0.1', serverPort: port, isOrientationFromSyn: true };
    const r = runChunks(createHttpAnalyser(), flow, chunks);
    const h = r.record as unknown as HttpRecord;
    expect(h.transactions[0]).toMatchObject({ http_method: 'GET', url: '/proxy', status: 101 });
    expect(h.transactions[0]!.http_user_agent).toMatch(/Chrome/);
    expect(h.websocket?.messages).toEqual({ toserver: { auth: 1, submit: 1 }, toclient: { job: 1 } });
    expect(h.stratum).toMatchObject({ dialect: 'cryptonote', algorithms: ['cn/r'] });
    expect(r.events.find((e) => e.name === 'stratum.job')?.data).toMatchObject({ job_id: 'j7', algo: 'cn/r', has_target: true });
    expect(r.events.find((e) => e.name === 'stratum.submit')?.data).toMatchObject({ job_id: 'j7' });
  }, 120_000);
});
