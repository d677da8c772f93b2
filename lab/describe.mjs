// @ts-check
// Summarises a lab capture with tshark as the reference decoder, for fixture READMEs and checks:
// the DNS questions, every TCP conversation as a 5-tuple, and per direction the JSON-RPC method
// names seen in the reassembled stream (whatever the framing: lines, HTTP bodies).
// Usage: node lab/describe.mjs CAPTURE [--json]
import { execFileSync } from 'node:child_process';

/** @param {string[]} args */
function tshark(args) {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

/**
 * The two directions of one TCP stream as tshark reassembles them ("follow,tcp,raw").
 * @param {string} file @param {number} stream
 */
export function followTcp(file, stream) {
  const out = tshark(['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`]);
  let client = '';
  let server = '';
  let node0 = '';
  let node1 = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('Node 0: ')) node0 = line.slice(8).trim();
    else if (line.startsWith('Node 1: ')) node1 = line.slice(8).trim();
    else if (/^[0-9a-f]+$/.test(line)) client += line;
    else if (/^\t[0-9a-f]+$/.test(line)) server += line.slice(1);
  }
  return { node0, node1, client: Buffer.from(client, 'hex'), server: Buffer.from(server, 'hex') };
}

/** Counts `"method":"name"` occurrences. @param {Buffer} bytes */
export function methodCounts(bytes) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const m of bytes.toString('latin1').matchAll(/"method"\s*:\s*"([^"]{1,64})"/g)) {
    const name = m[1] ?? '';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Counts HTTP request lines ("POST /json_rpc"). @param {Buffer} bytes */
export function httpRequestCounts(bytes) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const m of bytes.toString('latin1').matchAll(/(GET|POST|PUT|HEAD) (\S{1,200}) HTTP\/1\.[01]\r\n/g)) {
    const key = `${m[1]} ${m[2]}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** @param {string} file */
export function describe(file) {
  const dns = tshark(['-r', file, '-Y', 'dns.flags.response == 0', '-T', 'fields', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'dns.qry.name', '-e', 'dns.qry.type'])
    .split('\n').filter(Boolean).map((l) => {
      const [src4, src6, sport, dst4, dst6, name, qtype] = l.split('\t');
      return { flow: `${src4 || src6}:${sport} -> ${dst4 || dst6}:53/udp`, name: name ?? '', qtype: Number(qtype) };
    });
  const streams = tshark(['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-Y', 'tcp'])
    .split('\n').filter(Boolean).map(Number);
  const ids = [...new Set(streams)].sort((a, b) => a - b);
  const tcp = ids.map((id) => {
    const f = followTcp(file, id);
    return {
      stream: id,
      flow: `${f.node0} -> ${f.node1}/tcp`,
      client_bytes: f.client.length,
      server_bytes: f.server.length,
      client_http: httpRequestCounts(f.client),
      client_methods: methodCounts(f.client),
      server_methods: methodCounts(f.server),
    };
  });
  const packets = tshark(['-r', file, '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).length;
  return { packets, dns, tcp };
}

function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node lab/describe.mjs CAPTURE [--json]');
    process.exit(2);
  }
  const d = describe(file);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(d, null, 2));
    return;
  }
  const fmt = (/** @type {Record<string, number>} */ c) => Object.entries(c).map(([k, v]) => `${k} ×${v}`).join(', ') || '—';
  console.log(`Packets: ${d.packets}.`);
  console.log('');
  console.log('DNS questions:');
  for (const q of d.dns) console.log(`- ${q.flow}: ${q.name} (type ${q.qtype})`);
  if (d.dns.length === 0) console.log('- none');
  console.log('');
  console.log('TCP conversations (client -> server), with JSON-RPC methods seen per direction:');
  for (const t of d.tcp) {
    console.log(`- stream ${t.stream}: ${t.flow}, ${t.client_bytes} bytes up, ${t.server_bytes} bytes down;${Object.keys(t.client_http).length ? ` HTTP: ${fmt(t.client_http)};` : ''} client: ${fmt(t.client_methods)}; server: ${fmt(t.server_methods)}`);
  }
}

if (process.argv[1] && import.meta.url.endsWith('/describe.mjs') && process.argv[1].endsWith('describe.mjs')) main();
