// @ts-check
// The lab's scripted peer: one process that listens on several ports, each speaking one dialect —
// the CryptoNote pool protocol that XMRig speaks (login/job/submit/keepalived), Bitcoin stratum v1
// (mining.subscribe/authorize/set_difficulty/notify/submit), EthereumStratum/1.0.0 as NiceHash
// specified it, a monerod-style HTTP daemon for solo mining, and the benign services whose traffic
// looks like mining (JSON-RPC feeds, a WebSocket feed, bitcoind RPC, an Electrum server). It checks
// no proof of work: every share is accepted, so a real miner submits as soon as it finds a hash
// under the easy target the lab hands out. Dialects follow the public descriptions: XMRig's
// stratum notes, slushpool's "Stratum mining protocol", NiceHash's EthereumStratum/1.0.0 proposal,
// monerod's daemon RPC reference, and the Electrum protocol documentation.
// Usage: node lab/pool-server.mjs --address IP --service DIALECT:PORT[:tls] ... [options]
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

/** Longest line a client may send before the connection is dropped, in bytes. */
const MAX_LINE_BYTES = 64 * 1024;
/** Fixed session id prefix so captures are easy to read; the rest is counted per connection. */
const SESSION_PREFIX = 'mwlab';
/**
 * @typedef {{
 *   address: string, services: {dialect: string, port: number, tls: boolean}[], algo: string,
 *   diff: number, jobIntervalMs: number, pushIntervalMs: number, cert: string, key: string,
 *   height: number, seedHash: string, extranonce: string
 * }} Options
 */

/** @param {string[]} argv @returns {Options} */
function parseArgs(argv) {
  /** @type {Options} */
  const opts = {
    address: '203.0.113.21',
    services: [],
    algo: 'cn-pico',
    diff: 1000,
    jobIntervalMs: 10_000,
    pushIntervalMs: 2_000,
    cert: '',
    key: '',
    height: 3_000_000,
    seedHash: 'a'.repeat(64),
    extranonce: 'f000',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1] ?? '';
    switch (key) {
      case '--address': opts.address = value; break;
      case '--service': {
        const [dialect, port, flag] = value.split(':');
        opts.services.push({ dialect: dialect ?? '', port: Number(port), tls: flag === 'tls' });
        break;
      }
      case '--algo': opts.algo = value; break;
      case '--diff': opts.diff = Number(value); break;
      case '--job-interval-ms': opts.jobIntervalMs = Number(value); break;
      case '--push-interval-ms': opts.pushIntervalMs = Number(value); break;
      case '--cert': opts.cert = value; break;
      case '--key': opts.key = value; break;
      case '--height': opts.height = Number(value); break;
      case '--seed-hash': opts.seedHash = value; break;
      case '--extranonce': opts.extranonce = value; break;
      default: throw new Error(`unknown option ${key}`);
    }
  }
  return opts;
}

const counters = { connections: 0, logins: 0, jobs: 0, submits: 0, requests: 0 };

/** @param {string} what */
function log(what) {
  console.error(`pool-server: ${what}`);
}

/** Hex of `n` pseudo-random bytes; the lab does not need them unpredictable, only plausible. */
function randomHex(/** @type {number} */ n) {
  return crypto.randomBytes(n).toString('hex');
}

/** Little-endian base-128 varint as used by CryptoNote blobs. @param {number} value */
function varint(value) {
  const out = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/**
 * A 76-byte CryptoNote hashing blob: major, minor, timestamp, previous id, 4-byte nonce at offset
 * 39, merkle root, transaction count.
 * @param {number} height
 */
function hashingBlob(height) {
  const ts = varint(1_700_000_000 + height);
  return Buffer.concat([
    Buffer.from([16, 16]), ts, crypto.randomBytes(32), Buffer.alloc(4), crypto.randomBytes(32), varint(7),
  ]);
}

/** Compact 32-bit target (little-endian hex) for a share difficulty, as XMRig reads it. */
export function compactTarget(/** @type {number} */ diff) {
  const t = Math.floor(0xffffffff / Math.max(1, diff));
  const b = Buffer.alloc(4);
  b.writeUInt32LE(t >>> 0, 0);
  return b.toString('hex');
}

/** Sends one JSON value as a line. @param {net.Socket} socket @param {unknown} value */
function sendLine(socket, value) {
  if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
}

/**
 * Splits a byte stream into lines and hands each parsed JSON object to `onMessage`.
 * @param {net.Socket} socket @param {(msg: Record<string, any>) => void} onMessage
 */
function readLines(socket, onMessage) {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    pending += chunk;
    if (pending.length > MAX_LINE_BYTES) {
      log('line too long; closing');
      socket.destroy();
      return;
    }
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === '') continue;
      try {
        onMessage(JSON.parse(line));
      } catch {
        log(`not JSON: ${line.slice(0, 80)}`);
      }
    }
  });
}

/**
 * XMRig's CryptoNote dialect: a login carries the wallet and the algorithms the miner supports;
 * its result carries the first job; later jobs are pushed as "job" notifications.
 * @param {net.Socket} socket @param {Options} opts
 */
function cryptonote(socket, opts) {
  const session = `${SESSION_PREFIX}-${++counters.connections}`;
  let jobSeq = 0;
  let height = opts.height;
  const job = () => {
    counters.jobs++;
    /** @type {Record<string, unknown>} */
    const j = {
      blob: hashingBlob(height).toString('hex'),
      job_id: `${session}-job-${++jobSeq}`,
      target: compactTarget(opts.diff),
      algo: opts.algo,
      height,
      id: session,
    };
    if (opts.algo.startsWith('rx/')) j.seed_hash = opts.seedHash;
    return j;
  };
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  socket.on('close', () => clearInterval(timer));
  readLines(socket, (msg) => {
    counters.requests++;
    const id = msg.id ?? null;
    switch (msg.method) {
      case 'login':
        counters.logins++;
        sendLine(socket, {
          id, jsonrpc: '2.0', error: null,
          result: { id: session, job: job(), extensions: ['algo', 'nicehash', 'connect', 'tls', 'keepalive'], status: 'OK' },
        });
        timer = setInterval(() => {
          height++;
          sendLine(socket, { jsonrpc: '2.0', method: 'job', params: job() });
        }, opts.jobIntervalMs);
        break;
      case 'getjob':
        sendLine(socket, { id, jsonrpc: '2.0', error: null, result: job() });
        break;
      case 'submit':
        counters.submits++;
        sendLine(socket, { id, jsonrpc: '2.0', error: null, result: { status: 'OK' } });
        break;
      case 'keepalived':
        sendLine(socket, { id, jsonrpc: '2.0', error: null, result: { status: 'KEEPALIVED' } });
        break;
      default:
        sendLine(socket, { id, jsonrpc: '2.0', error: { code: -1, message: 'Unsupported method' }, result: null });
    }
  });
}

/**
 * A Bitcoin-style coinbase split around the extranonces: BIP 34 puts the height first in the
 * input script, which is also where XMRig's GhostRider client looks for it.
 * @param {number} height
 */
function coinbaseParts(height) {
  const h = Buffer.alloc(3);
  h.writeUIntLE(height & 0xffffff, 0, 3);
  const tag = Buffer.from('/mwlab/', 'latin1');
  const scriptLen = 4 + 8 + tag.length; // height push + extranonce1 (4) + extranonce2 (4) + tag
  const coinb1 = Buffer.concat([
    Buffer.from('01000000' + '01' + '00'.repeat(32) + 'ffffffff', 'hex'),
    Buffer.from([scriptLen, 3]), h,
  ]);
  const coinb2 = Buffer.concat([
    tag,
    Buffer.from('ffffffff' + '01' + '00f2052a01000000' + '1976a914' + '89abcdefabbaabbaabbaabbaabbaabbaabbaabba' + '88ac' + '00000000', 'hex'),
  ]);
  return { coinb1: coinb1.toString('hex'), coinb2: coinb2.toString('hex') };
}

/**
 * Bitcoin stratum v1 (and GhostRider, which XMRig speaks in the same dialect).
 * @param {net.Socket} socket @param {Options} opts
 */
function bitcoinStratum(socket, opts) {
  const conn = ++counters.connections;
  const extranonce1 = (0x08000000 + conn).toString(16).padStart(8, '0');
  let jobSeq = 0;
  let height = opts.height;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  socket.on('close', () => clearInterval(timer));
  const notify = (/** @type {boolean} */ clean) => {
    counters.jobs++;
    const { coinb1, coinb2 } = coinbaseParts(height);
    const ntime = (1_700_000_000 + height).toString(16).padStart(8, '0');
    sendLine(socket, {
      id: null, method: 'mining.notify',
      params: [(++jobSeq).toString(16), randomHex(32), coinb1, coinb2, [randomHex(32), randomHex(32)], '20000000', '1a0ffff0', ntime, clean],
    });
  };
  readLines(socket, (msg) => {
    counters.requests++;
    const id = msg.id ?? null;
    switch (msg.method) {
      case 'mining.subscribe':
        sendLine(socket, {
          id, error: null,
          result: [[['mining.set_difficulty', `${conn}`], ['mining.notify', `${conn}`]], extranonce1, 4],
        });
        break;
      case 'mining.configure':
        sendLine(socket, { id, error: null, result: { 'version-rolling': true, 'version-rolling.mask': '1fffe000' } });
        break;
      case 'mining.extranonce.subscribe':
        sendLine(socket, { id, error: null, result: true });
        break;
      case 'mining.authorize':
        counters.logins++;
        sendLine(socket, { id, error: null, result: true });
        sendLine(socket, { id: null, method: 'mining.set_difficulty', params: [opts.diff] });
        notify(true);
        timer = setInterval(() => {
          height++;
          notify(true);
        }, opts.jobIntervalMs);
        break;
      case 'mining.submit':
        counters.submits++;
        sendLine(socket, { id, error: null, result: true });
        break;
      case 'mining.suggest_difficulty':
        sendLine(socket, { id, error: null, result: true });
        break;
      default:
        sendLine(socket, { id, error: [20, 'Unsupported method', null], result: null });
    }
  });
}

/**
 * EthereumStratum/1.0.0 as NiceHash proposed it. XMRig (KawPow) and ethminer-like clients read
 * different mining.notify layouts, so the layout follows the miner's user agent.
 * @param {net.Socket} socket @param {Options} opts
 */
function ethStratum(socket, opts) {
  counters.connections++;
  let isXmrig = false;
  let jobSeq = 0;
  let height = opts.height;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  socket.on('close', () => clearInterval(timer));
  const notify = () => {
    counters.jobs++;
    const jobId = (0xbf0488aa + ++jobSeq).toString(16);
    if (isXmrig) {
      sendLine(socket, { id: null, method: 'mining.set_target', params: ['00000000ffff0000000000000000000000000000000000000000000000000000'] });
      sendLine(socket, {
        id: null, method: 'mining.notify',
        params: [jobId, randomHex(32), opts.seedHash, '00000000ffff0000000000000000000000000000000000000000000000000000', true, height, '1d00ffff'],
      });
    } else {
      sendLine(socket, { id: null, method: 'mining.notify', params: [jobId, opts.seedHash, randomHex(32), true] });
    }
  };
  readLines(socket, (msg) => {
    counters.requests++;
    const id = msg.id ?? null;
    switch (msg.method) {
      case 'mining.subscribe': {
        const agent = Array.isArray(msg.params) ? String(msg.params[0] ?? '') : '';
        isXmrig = agent.startsWith('XMRig');
        sendLine(socket, {
          id, error: null,
          result: [['mining.notify', randomHex(16), 'EthereumStratum/1.0.0'], opts.extranonce],
        });
        break;
      }
      case 'mining.extranonce.subscribe':
        sendLine(socket, { id, error: null, result: true });
        break;
      case 'mining.authorize':
        counters.logins++;
        sendLine(socket, { id, error: null, result: true });
        if (!isXmrig) sendLine(socket, { id: null, method: 'mining.set_difficulty', params: [opts.diff] });
        notify();
        timer = setInterval(() => {
          height++;
          notify();
        }, opts.jobIntervalMs);
        break;
      case 'mining.submit':
        counters.submits++;
        sendLine(socket, { id, error: null, result: true });
        break;
      default:
        sendLine(socket, { id, error: [20, 'Unsupported method', null], result: null });
    }
  });
}

/**
 * monerod's daemon RPC as XMRig's --daemon mode uses it: JSON-RPC 2.0 over HTTP POST /json_rpc
 * (getblocktemplate, submitblock, get_info…) and plain GET/POST endpoints (/getheight).
 * @param {Options} opts
 */
function daemonHandler(opts) {
  let height = opts.height;
  let prevHash = randomHex(32);
  setInterval(() => {
    height++;
    prevHash = randomHex(32);
  }, opts.jobIntervalMs).unref();
  const template = () => {
    counters.jobs++;
    const header = hashingBlob(height);
    // The template is the header without the merkle root and count, then a miner transaction
    // (version 2, unlock height, one "gen" input, one txout_to_key output, tx extra with a pubkey and a
    // reserved nonce, RingCT type 0) and an empty transaction hash list.
    const reserved = Buffer.alloc(8);
    const extra = Buffer.concat([Buffer.from([0x01]), crypto.randomBytes(32), Buffer.from([0x02, reserved.length]), reserved]);
    const minerTx = Buffer.concat([
      varint(2), varint(height + 60), varint(1), Buffer.from([0xff]), varint(height), varint(1),
      varint(600_000_000_000), Buffer.from([0x02]), crypto.randomBytes(32),
      varint(extra.length), extra, Buffer.from([0x00]),
    ]);
    const blocktemplate = Buffer.concat([header.subarray(0, 43), minerTx, varint(0)]);
    const reservedOffset = 43 + minerTx.length - 1 - reserved.length;
    return {
      blocktemplate_blob: blocktemplate.toString('hex'),
      blockhashing_blob: header.toString('hex'),
      difficulty: opts.diff,
      difficulty_top64: 0,
      wide_difficulty: `0x${opts.diff.toString(16)}`,
      expected_reward: 600_000_000_000,
      height,
      next_seed_hash: '',
      prev_hash: prevHash,
      reserved_offset: reservedOffset,
      seed_hash: opts.seedHash,
      seed_height: Math.max(0, height - (height % 2048)),
      status: 'OK',
      untrusted: false,
    };
  };
  /** @param {string} method */
  const call = (method) => {
    switch (method) {
      case 'getblocktemplate':
      case 'get_block_template':
        return { result: template() };
      case 'submitblock':
      case 'submit_block':
        counters.submits++;
        return { result: { status: 'OK', untrusted: false } };
      case 'get_info':
        return { result: { height, status: 'OK', top_block_hash: prevHash, difficulty: opts.diff, nettype: 'mainnet', synchronized: true, untrusted: false } };
      case 'get_last_block_header':
      case 'getlastblockheader':
        return { result: { block_header: { height: height - 1, hash: prevHash, timestamp: 1_700_000_000 + height, difficulty: opts.diff }, status: 'OK', untrusted: false } };
      case 'get_block_count':
      case 'getblockcount':
        return { result: { count: height, status: 'OK' } };
      default:
        return { error: { code: -32601, message: 'Method not found' } };
    }
  };
  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  return (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      counters.requests++;
      log(`daemon ${req.method} ${req.url} ${body.slice(0, 200)}`);
      /** @type {unknown} */
      let reply;
      if (req.url === '/getheight') {
        reply = { hash: prevHash, height, status: 'OK', untrusted: false };
      } else if (req.url === '/json_rpc') {
        /** @type {Record<string, any>} */
        let msg = {};
        try { msg = JSON.parse(body); } catch { msg = {}; }
        reply = { id: msg.id ?? null, jsonrpc: '2.0', ...call(String(msg.method ?? '')) };
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  };
}

/**
 * Benign: a JSON-RPC 2.0 subscription feed (an order-book style service) that pushes a
 * notification every push interval on a long-lived connection.
 * @param {net.Socket} socket @param {Options} opts
 */
function jsonrpcFeed(socket, opts) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  let seq = 0;
  socket.on('close', () => clearInterval(timer));
  readLines(socket, (msg) => {
    counters.requests++;
    const id = msg.id ?? null;
    if (msg.method === 'subscribe') {
      const subscription = `sub-${randomHex(4)}`;
      sendLine(socket, { jsonrpc: '2.0', id, result: { subscription } });
      timer = setInterval(() => {
        seq++;
        sendLine(socket, {
          jsonrpc: '2.0', method: 'update',
          params: { subscription, channel: 'orders', seq, price: 101.25 + (seq % 7) / 4, qty: seq * 3 },
        });
      }, opts.pushIntervalMs);
    } else if (msg.method === 'unsubscribe') {
      clearInterval(timer);
      sendLine(socket, { jsonrpc: '2.0', id, result: true });
    } else if (msg.method === 'ping') {
      sendLine(socket, { jsonrpc: '2.0', id, result: 'pong' });
    } else {
      sendLine(socket, { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
    }
  });
}

/**
 * Benign: a JSON-RPC 2.0 application service (inventory look-ups) that happens to listen on the
 * port mining pools favour.
 * @param {net.Socket} socket
 */
function jsonrpcApp(socket) {
  readLines(socket, (msg) => {
    counters.requests++;
    const id = msg.id ?? null;
    switch (msg.method) {
      case 'system.describe':
        sendLine(socket, { jsonrpc: '2.0', id, result: { name: 'inventory', version: '2.4.1', methods: ['items.list', 'items.get', 'status'] } });
        break;
      case 'items.list':
        sendLine(socket, { jsonrpc: '2.0', id, result: [{ sku: 'A-100', qty: 12 }, { sku: 'B-220', qty: 0 }, { sku: 'C-310', qty: 7 }] });
        break;
      case 'items.get':
        sendLine(socket, { jsonrpc: '2.0', id, result: { sku: 'A-100', qty: 12, location: 'shelf 4' } });
        break;
      case 'status':
        sendLine(socket, { jsonrpc: '2.0', id, result: { status: 'ok', uptime_s: 86_400 } });
        break;
      default:
        sendLine(socket, { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
    }
  });
}

/**
 * Benign: an Electrum server (protocol 1.4): version negotiation, a banner, header
 * subscription with pushes of new tips, and pings.
 * @param {net.Socket} socket @param {Options} opts
 */
function electrum(socket, opts) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  let height = 820_000;
  socket.on('close', () => clearInterval(timer));
  const header = () => ({ height, hex: `00e0ff3f${randomHex(32)}${randomHex(32)}${(1_700_000_000 + height).toString(16)}8bd50317${randomHex(4)}` });
  readLines(socket, (msg) => {
    counters.requests++;
    const id = msg.id ?? null;
    switch (msg.method) {
      case 'server.version':
        sendLine(socket, { jsonrpc: '2.0', id, result: ['ElectrumX 1.16.0', '1.4'] });
        break;
      case 'server.banner':
        sendLine(socket, { jsonrpc: '2.0', id, result: 'Welcome to the lab Electrum server' });
        break;
      case 'server.ping':
        sendLine(socket, { jsonrpc: '2.0', id, result: null });
        break;
      case 'server.features':
        sendLine(socket, { jsonrpc: '2.0', id, result: { genesis_hash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f', hash_function: 'sha256', protocol_max: '1.4', protocol_min: '1.4', pruning: null, server_version: 'ElectrumX 1.16.0' } });
        break;
      case 'blockchain.headers.subscribe':
        sendLine(socket, { jsonrpc: '2.0', id, result: header() });
        timer = setInterval(() => {
          height++;
          sendLine(socket, { jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [header()] });
        }, opts.pushIntervalMs);
        break;
      case 'blockchain.estimatefee':
        sendLine(socket, { jsonrpc: '2.0', id, result: 0.00012 });
        break;
      case 'blockchain.scripthash.subscribe':
        sendLine(socket, { jsonrpc: '2.0', id, result: null });
        break;
      default:
        sendLine(socket, { jsonrpc: '2.0', id, error: { code: -32601, message: 'unknown method' } });
    }
  });
}

/**
 * Benign: bitcoind's JSON-RPC over HTTP with basic authentication (a wallet or explorer polling
 * chain state).
 * @param {http.IncomingMessage} req @param {http.ServerResponse} res
 */
function bitcoindRpc(req, res) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    counters.requests++;
    /** @type {Record<string, any>} */
    let msg = {};
    try { msg = JSON.parse(body); } catch { msg = {}; }
    const best = '00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054';
    /** @type {Record<string, unknown>} */
    const results = {
      getblockchaininfo: { chain: 'main', blocks: 820_000, headers: 820_000, bestblockhash: best, difficulty: 72006146478567.1, verificationprogress: 0.9999987, initialblockdownload: false, pruned: false, warnings: '' },
      getnetworkinfo: { version: 250000, subversion: '/Satoshi:25.0.0/', protocolversion: 70016, connections: 10, networkactive: true, warnings: '' },
      getbestblockhash: best,
      getblockcount: 820_000,
      getmempoolinfo: { loaded: true, size: 5211, bytes: 2012345, usage: 9876543, mempoolminfee: 0.00001 },
    };
    const method = String(msg.method ?? '');
    const reply = method in results
      ? { result: results[method], error: null, id: msg.id ?? null }
      : { result: null, error: { code: -32601, message: 'Method not found' }, id: msg.id ?? null };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(reply)}\n`);
  });
}

/**
 * Benign: a WebSocket (RFC 6455) JSON ticker feed; the server pushes unmasked text frames.
 * @param {Options} opts
 */
function websocketUpgrade(opts) {
  /** @param {http.IncomingMessage} req @param {import('node:stream').Duplex} socket */
  return (req, socket) => {
    counters.requests++;
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    let seq = 0;
    const frame = (/** @type {string} */ text) => {
      const payload = Buffer.from(text, 'utf8');
      const head = payload.length < 126
        ? Buffer.from([0x81, payload.length])
        : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
      return Buffer.concat([head, payload]);
    };
    const timer = setInterval(() => {
      seq++;
      socket.write(frame(JSON.stringify({ type: 'ticker', symbol: 'ACME', seq, price: 42.5 + (seq % 5) / 10, ts: 1_700_000_000 + seq })));
    }, opts.pushIntervalMs);
    socket.on('data', (chunk) => {
      // A close frame from the client (opcode 8) is answered with a close frame.
      if (chunk.length > 0 && ((chunk[0] ?? 0) & 0x0f) === 8) {
        clearInterval(timer);
        socket.end(Buffer.from([0x88, 0x00]));
      }
    });
    socket.on('close', () => clearInterval(timer));
    socket.on('error', () => clearInterval(timer));
  };
}

/** @param {Options} opts */
function main(opts) {
  const tlsOptions = opts.cert ? { cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) } : null;
  /** @type {Record<string, (socket: net.Socket, opts: Options) => void>} */
  const lineDialects = {
    cryptonote, btc: bitcoinStratum, ethstratum: ethStratum,
    'jsonrpc-feed': jsonrpcFeed, 'jsonrpc-app': jsonrpcApp, electrum,
  };
  /** @type {Array<net.Server | http.Server>} */
  const servers = [];
  for (const svc of opts.services) {
    if (svc.tls && !tlsOptions) throw new Error(`service ${svc.dialect}:${svc.port} needs --cert and --key`);
    const lineDialect = lineDialects[svc.dialect];
    /** @type {net.Server | http.Server} */
    let server;
    if (lineDialect) {
      /** @param {net.Socket} socket */
      const onSocket = (socket) => {
        socket.on('error', () => socket.destroy());
        socket.setNoDelay(true);
        lineDialect(socket, opts);
      };
      server = svc.tls && tlsOptions ? tls.createServer(tlsOptions, onSocket) : net.createServer(onSocket);
    } else if (svc.dialect === 'daemon' || svc.dialect === 'bitcoind' || svc.dialect === 'websocket') {
      const handler = svc.dialect === 'daemon' ? daemonHandler(opts) : bitcoindRpc;
      server = http.createServer(handler);
      if (svc.dialect === 'websocket') server.on('upgrade', websocketUpgrade(opts));
    } else {
      throw new Error(`unknown dialect ${svc.dialect}`);
    }
    server.on('error', (err) => {
      // Written synchronously: an exit right after an asynchronous pipe write can lose it.
      fs.writeSync(2, `pool-server: ${svc.dialect}:${svc.port}: ${err.message}\n`);
      process.exit(1);
    });
    // Port 0 takes a free port; the line names the port actually bound (callers read it).
    server.listen(svc.port, opts.address, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : svc.port;
      log(`${svc.dialect} listening on ${opts.address}:${port}${svc.tls ? ' (tls)' : ''}`);
    });
    servers.push(server);
  }
  const stop = () => {
    log(`counters ${JSON.stringify(counters)}`);
    for (const s of servers) s.close();
    setTimeout(() => process.exit(0), 100).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(parseArgs(process.argv.slice(2)));
