// @ts-check
// A tiny authoritative DNS server for the lab: it answers A queries for the pool names it is given
// with the pool namespace's address, NODATA for their other types, and NXDOMAIN for every other
// name, so a miner's name look-up lands in the capture and nothing resolves to the outside.
// Wire format from RFC 1035 section 4.1; only one question per query is answered (RFC 9619).
// Usage: node lab/dns-server.mjs --address 203.0.113.21 --answer 203.0.113.21 --name a.example ...
import dgram from 'node:dgram';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
/** Seconds a lab answer may be cached (short: every run should query again). */
const ANSWER_TTL_S = 5;
/** Longest name accepted, in bytes of wire labels (RFC 1035 section 2.3.4). */
const MAX_NAME_BYTES = 255;

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{address: string, port: number, answer: string, names: Set<string>}} */
  const opts = { address: '203.0.113.21', port: 53, answer: '203.0.113.21', names: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1] ?? '';
    if (key === '--address') opts.address = value;
    else if (key === '--port') opts.port = Number(value);
    else if (key === '--answer') opts.answer = value;
    else if (key === '--name') opts.names.add(value.toLowerCase().replace(/\.$/, ''));
    else throw new Error(`unknown option ${key}`);
    i++;
  }
  return opts;
}

/**
 * Reads the question name starting at `offset`. Queries carry no compression pointers.
 * @param {Buffer} msg @param {number} offset
 * @returns {{name: string, end: number} | null}
 */
function readName(msg, offset) {
  const labels = [];
  let pos = offset;
  while (pos < msg.length) {
    const len = msg[pos] ?? 0;
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: pos + 1 };
    if (len > 63 || pos + 1 + len > msg.length || pos + 1 + len - offset > MAX_NAME_BYTES) return null;
    labels.push(msg.subarray(pos + 1, pos + 1 + len).toString('latin1'));
    pos += 1 + len;
  }
  return null;
}

/** @param {Buffer} query @param {{answer: string, names: Set<string>}} opts */
export function answer(query, opts) {
  if (query.length < 12) return null;
  const qdcount = query.readUInt16BE(4);
  const head = Buffer.from(query.subarray(0, 12));
  // QR=1, opcode copied, AA=1, RD copied, RA=0.
  const flags = query.readUInt16BE(2);
  const q = qdcount === 1 ? readName(query, 12) : null;
  if (!q || q.end + 4 > query.length) {
    head.writeUInt16BE(0x8400 | (flags & 0x7900) | RCODE_FORMERR, 2);
    head.writeUInt16BE(0, 4);
    head.fill(0, 6, 12);
    return head;
  }
  const qtype = query.readUInt16BE(q.end);
  const qclass = query.readUInt16BE(q.end + 2);
  const question = query.subarray(12, q.end + 4);
  const known = opts.names.has(q.name);
  const answers = [];
  if (known && qtype === TYPE_A && qclass === CLASS_IN) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ANSWER_TTL_S, 6);
    rr.writeUInt16BE(4, 10);
    opts.answer.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    answers.push(rr);
  }
  head.writeUInt16BE(0x8400 | (flags & 0x7900) | (known ? 0 : RCODE_NXDOMAIN), 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answers.length, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  return Buffer.concat([head, question, ...answers]);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const reply = answer(msg, opts);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.on('error', (err) => {
    console.error(`dns-server: ${err.message}`);
    process.exit(1);
  });
  socket.bind(opts.port, opts.address, () => {
    console.error(`dns-server: listening on ${opts.address}:${opts.port} for ${[...opts.names].join(', ')}`);
  });
  const stop = () => socket.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
