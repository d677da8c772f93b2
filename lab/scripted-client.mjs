// @ts-check
// Scripted clients for the lab, for the conversations no real program on this machine can make: a
// cgminer-like Bitcoin stratum v1 miner (no SHA-256d miner is available), an ethminer-like
// EthereumStratum/1.0.0 (NiceHash) miner, and the benign look-alikes (a JSON-RPC subscription
// feed, a JSON-RPC application on port 3333, a WebSocket feed, bitcoind RPC polling, an Electrum
// wallet). Each one resolves its server by name, so the DNS query is part of the capture, and
// keeps one long-lived connection for the given number of seconds.
// Usage: node lab/scripted-client.mjs --mode MODE --host NAME --port N --seconds S
import crypto from 'node:crypto';
import net from 'node:net';

/** @param {string[]} argv */
function parseArgs(argv) {
  const opts = { mode: '', host: '', port: 0, seconds: 15, intervalMs: 1500 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1] ?? '';
    if (key === '--mode') opts.mode = value;
    else if (key === '--host') opts.host = value;
    else if (key === '--port') opts.port = Number(value);
    else if (key === '--seconds') opts.seconds = Number(value);
    else if (key === '--interval-ms') opts.intervalMs = Number(value);
    else throw new Error(`unknown option ${key}`);
  }
  if (!opts.mode || !opts.host || !opts.port) throw new Error('--mode, --host and --port are required');
  return opts;
}

/**
 * A line-delimited JSON connection with request ids and a handler for everything received.
 * @param {net.Socket} socket @param {(msg: Record<string, any>) => void} onMessage
 */
function jsonLines(socket, onMessage) {
  let pending = '';
  let nextId = 1;
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') onMessage(JSON.parse(line));
    }
  });
  return {
    /** @param {Record<string, unknown>} body */
    request(body) {
      const id = nextId++;
      socket.write(`${JSON.stringify({ id, ...body })}\n`);
      return id;
    },
  };
}

/** Bytes received from the server, reported at the end. */
let received = 0;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens the connection by name and runs `script` until the time is up, then closes.
 * @param {ReturnType<typeof parseArgs>} opts
 * @param {(socket: net.Socket, every: (ms: number, fn: () => void) => void) => void} script
 * @param {() => void} [onEnd]
 */
async function session(opts, script, onEnd) {
  const socket = net.connect({ host: opts.host, port: opts.port, family: 4 });
  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    received += chunk.length;
  });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  /** @type {ReturnType<typeof setInterval>[]} */
  const timers = [];
  script(socket, (ms, fn) => timers.push(setInterval(fn, ms)));
  await sleep(opts.seconds * 1000);
  for (const t of timers) clearInterval(t);
  if (onEnd) onEnd();
  await sleep(300);
  socket.end();
  await sleep(300);
  socket.destroy();
}

/** cgminer-like Bitcoin stratum v1: subscribe, authorize, then a share every interval. */
const modes = {
  /** @param {ReturnType<typeof parseArgs>} opts */
  'btc-stratum': (opts) => {
    const state = { jobId: '', ntime: '', extranonce2Size: 4, shares: 0 };
    return session(opts, (socket, every) => {
      const rpc = jsonLines(socket, (msg) => {
        if (msg.method === 'mining.notify' && Array.isArray(msg.params)) {
          state.jobId = String(msg.params[0]);
          state.ntime = String(msg.params[7]);
        }
        if (Array.isArray(msg.result) && typeof msg.result[2] === 'number') state.extranonce2Size = msg.result[2];
      });
      rpc.request({ method: 'mining.subscribe', params: ['cgminer/4.10.0'] });
      rpc.request({ method: 'mining.authorize', params: ['labworker.1', 'x'] });
      every(opts.intervalMs, () => {
        if (!state.jobId) return;
        state.shares++;
        const extranonce2 = state.shares.toString(16).padStart(state.extranonce2Size * 2, '0');
        rpc.request({
          method: 'mining.submit',
          params: ['labworker.1', state.jobId, extranonce2, state.ntime, crypto.randomBytes(4).toString('hex')],
        });
      });
    });
  },

  /** ethminer-like EthereumStratum/1.0.0 (NiceHash): nonces carry the pool's extranonce prefix. */
  /** @param {ReturnType<typeof parseArgs>} opts */
  ethstratum: (opts) => {
    const state = { jobId: '', extranonce: '' };
    const worker = '0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5.lab';
    return session(opts, (socket, every) => {
      const rpc = jsonLines(socket, (msg) => {
        if (msg.method === 'mining.notify' && Array.isArray(msg.params)) state.jobId = String(msg.params[0]);
        if (Array.isArray(msg.result) && typeof msg.result[1] === 'string') state.extranonce = msg.result[1];
      });
      rpc.request({ method: 'mining.subscribe', params: ['ethminer/0.19.0', 'EthereumStratum/1.0.0'] });
      rpc.request({ method: 'mining.extranonce.subscribe', params: [] });
      rpc.request({ method: 'mining.authorize', params: [worker, 'x'] });
      every(opts.intervalMs, () => {
        if (!state.jobId) return;
        const suffix = crypto.randomBytes(8).toString('hex').slice(state.extranonce.length);
        rpc.request({ method: 'mining.submit', params: [worker, state.jobId, suffix] });
      });
    });
  },

  /** Benign: subscribes to a JSON-RPC 2.0 feed and pings it now and then. */
  /** @param {ReturnType<typeof parseArgs>} opts */
  'jsonrpc-feed': (opts) => {
    /** @type {ReturnType<typeof jsonLines> | undefined} */
    let rpc;
    return session(opts, (socket, every) => {
      rpc = jsonLines(socket, () => {});
      rpc.request({ jsonrpc: '2.0', method: 'subscribe', params: { channel: 'orders', symbols: ['ACME', 'INIT'] } });
      every(5000, () => rpc?.request({ jsonrpc: '2.0', method: 'ping', params: [] }));
    }, () => rpc?.request({ jsonrpc: '2.0', method: 'unsubscribe', params: { channel: 'orders' } }));
  },

  /** Benign: an application's JSON-RPC 2.0 calls on port 3333. */
  /** @param {ReturnType<typeof parseArgs>} opts */
  'jsonrpc-app': (opts) => session(opts, (socket, every) => {
    const rpc = jsonLines(socket, () => {});
    rpc.request({ jsonrpc: '2.0', method: 'system.describe', params: [] });
    const calls = ['items.list', 'items.get', 'status'];
    let n = 0;
    every(opts.intervalMs, () => {
      const method = calls[n++ % calls.length] ?? 'status';
      rpc.request({ jsonrpc: '2.0', method, params: method === 'items.get' ? { sku: 'A-100' } : [] });
    });
  }),

  /** Benign: an Electrum wallet (protocol 1.4) following the chain tip. */
  /** @param {ReturnType<typeof parseArgs>} opts */
  electrum: (opts) => session(opts, (socket, every) => {
    const rpc = jsonLines(socket, () => {});
    rpc.request({ jsonrpc: '2.0', method: 'server.version', params: ['electrum/4.5.4', '1.4'] });
    rpc.request({ jsonrpc: '2.0', method: 'server.features', params: [] });
    rpc.request({ jsonrpc: '2.0', method: 'server.banner', params: [] });
    rpc.request({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [] });
    rpc.request({ jsonrpc: '2.0', method: 'blockchain.scripthash.subscribe', params: ['8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161'] });
    rpc.request({ jsonrpc: '2.0', method: 'blockchain.estimatefee', params: [2] });
    every(5000, () => rpc.request({ jsonrpc: '2.0', method: 'server.ping', params: [] }));
  }),

  /** Benign: bitcoind JSON-RPC over HTTP/1.1 keep-alive, polled once per interval. */
  /** @param {ReturnType<typeof parseArgs>} opts */
  bitcoind: (opts) => session(opts, (socket, every) => {
    socket.on('data', () => {});
    const auth = Buffer.from('labuser:labpassword').toString('base64');
    let id = 0;
    const post = (/** @type {string} */ method) => {
      const body = JSON.stringify({ jsonrpc: '1.0', id: `poll-${++id}`, method, params: [] });
      socket.write(
        `POST / HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nAuthorization: Basic ${auth}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
      );
    };
    post('getnetworkinfo');
    post('getblockchaininfo');
    const calls = ['getbestblockhash', 'getblockcount', 'getmempoolinfo', 'getblockchaininfo'];
    let n = 0;
    every(opts.intervalMs, () => post(calls[n++ % calls.length] ?? 'getblockcount'));
  }),

  /** Benign: a WebSocket JSON feed; client frames are masked as RFC 6455 section 5.3 requires. */
  /** @param {ReturnType<typeof parseArgs>} opts */
  websocket: (opts) => {
    /** @type {net.Socket | undefined} */
    let sock;
    const frame = (/** @type {number} */ opcode, /** @type {Buffer} */ payload) => {
      const mask = crypto.randomBytes(4);
      const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
      return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
    };
    return session(opts, (socket, every) => {
      sock = socket;
      socket.on('data', () => {});
      const key = crypto.randomBytes(16).toString('base64');
      socket.write(
        `GET /v1/stream HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://${opts.host}\r\n\r\n`,
      );
      setTimeout(() => socket.write(frame(1, Buffer.from(JSON.stringify({ op: 'subscribe', channel: 'ticker', symbols: ['ACME'] })))), 200);
      every(5000, () => socket.write(frame(9, Buffer.from('keepalive'))));
    }, () => sock?.write(frame(8, Buffer.from([0x03, 0xe8]))));
  },
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const run = /** @type {Record<string, (o: typeof opts) => Promise<void>>} */ (modes)[opts.mode];
  if (!run) throw new Error(`unknown mode ${opts.mode}`);
  await run(opts);
  console.error(`scripted-client: ${opts.mode} done, ${received} bytes received`);
}

main().catch((err) => {
  console.error(`scripted-client: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
