// Action 4, the capture: find the packets of the alert's flow (the sensor's per-alert pcap, a
// capture store, or the firewall's threat PCAP), decode every layer of each packet, pull out the
// readable strings, and reconstruct the JSON-RPC conversation in order, each message labelled with
// its side and stratum step (login, job, submit, result). It reuses the sensor's own readers,
// decoder, reassembly and analysers, so what triage shows is what detection saw.

import { readCapture } from '../../capture/reader.js';
import { LinkType, type CapturedPacket } from '../../capture/types.js';
import { PacketDecoder, newDecodedPacket } from '../../decode/decoder.js';
import { AnomalyCounter, IpProto, TcpFlag, type DecodedPacket } from '../../decode/types.js';
import { Engine } from '../../engine/engine.js';
import type { Analyser, AnalyserSession, Direction } from '../../protocols/analyser.js';
import { DONE, NEED_MORE, OK } from '../../protocols/analyser.js';
import {
  classifyMining,
  isEthWorkPackage,
  isRecord,
  readCryptoNoteJob,
  readResultVerdict,
  toRpcMessage,
} from '../../protocols/stratum/parser.js';
import { formatIp } from '../../util/ip.js';
import type { CaptureEvidence, PacketLayers, RpcMessage, StratumStep } from '../evidence.js';
import type { TriageAction } from '../types.js';
import { matchTuple, tupleOf, type FlowTuple } from '../flow-tuple.js';
import type { Alert } from '../../alerts/types.js';

/** Packets of the flow listed with their layers; the rest are counted. */
export const MAX_LISTED_PACKETS = 500;
/** Stream bytes kept per direction for the conversation. */
export const MAX_TRANSCRIPT_BYTES = 256 * 1024;
/** Messages listed; the conversation beyond is counted in the step list only. */
export const MAX_MESSAGES = 400;
/** Readable strings kept, and their shortest and longest length. */
export const MAX_STRINGS = 300;
const MIN_STRING = 6;
const MAX_STRING = 200;
/** Longest message text kept. */
const MAX_MESSAGE_TEXT = 600;

const LINK_NAMES: Record<number, string> = {
  [LinkType.ETHERNET]: 'Ethernet',
  [LinkType.NULL]: 'Null/Loopback',
  [LinkType.LOOP]: 'Loopback',
  [LinkType.RAW]: 'Raw IP',
  [LinkType.IPV4]: 'Raw IPv4',
  [LinkType.IPV6]: 'Raw IPv6',
  [LinkType.LINUX_SLL]: 'Linux SLL',
  [LinkType.LINUX_SLL2]: 'Linux SLL2',
};

function flagText(f: number): string {
  const names: [number, string][] = [
    [TcpFlag.SYN, 'SYN'],
    [TcpFlag.ACK, 'ACK'],
    [TcpFlag.PSH, 'PSH'],
    [TcpFlag.FIN, 'FIN'],
    [TcpFlag.RST, 'RST'],
    [TcpFlag.URG, 'URG'],
  ];
  return names.filter(([bit]) => f & bit).map(([, n]) => n).join(',');
}

function layersOf(raw: CapturedPacket, d: DecodedPacket): string[] {
  const out = [LINK_NAMES[raw.linkType] ?? `link ${raw.linkType}`];
  if (d.vlan) out.push(d.innerVlan ? `802.1Q ${d.vlan} / 802.1Q ${d.innerVlan}` : `802.1Q ${d.vlan}`);
  out.push(d.ipVersion === 6 ? 'IPv6' : 'IPv4');
  if (d.isReassembled) out.push('IP reassembled');
  out.push(d.protocol === IpProto.TCP ? 'TCP' : d.protocol === IpProto.UDP ? 'UDP' : `proto ${d.protocol}`);
  if (d.payload.length) out.push(`payload ${d.payload.length} B`);
  return out;
}

/** Runs of printable ASCII at least MIN_STRING long, as `strings` prints them. */
function collectStrings(payload: Uint8Array, out: string[], seen: Set<string>): void {
  let start = -1;
  for (let i = 0; i <= payload.length; i++) {
    const c = i < payload.length ? payload[i]! : 0;
    const printable = c >= 0x20 && c < 0x7f;
    if (printable && start < 0) start = i;
    if (!printable && start >= 0) {
      if (i - start >= MIN_STRING && out.length < MAX_STRINGS) {
        const s = Buffer.from(payload.subarray(start, Math.min(i, start + MAX_STRING))).toString('latin1');
        if (!seen.has(s)) {
          seen.add(s);
          out.push(s);
        }
      }
      start = -1;
    }
  }
}

interface Chunk {
  dir: Direction;
  ts: number;
  bytes: Uint8Array;
}

/** An analyser that only records the reassembled bytes of one flow, in order, with times. */
function transcriptAnalyser(t: FlowTuple, chunks: Chunk[]): Analyser {
  const kept = [0, 0];
  return {
    name: 'transcript',
    transports: ['tcp', 'udp'],
    probe(_data, _dir, flow) {
      const proto = flow.transport === 'udp' ? IpProto.UDP : IpProto.TCP;
      return matchTuple(t, flow.clientIp, flow.clientPort, flow.serverIp, flow.serverPort, proto) >= 0 ? 'yes' : 'no';
    },
    createSession(): AnalyserSession {
      return {
        onData(dir, data, ts) {
          const room = MAX_TRANSCRIPT_BYTES - kept[dir]!;
          if (room <= 0) return DONE;
          const take = data.subarray(0, room);
          kept[dir]! += take.length;
          chunks.push({ dir, ts, bytes: Uint8Array.from(take) });
          return OK;
        },
        onGap() {
          return NEED_MORE;
        },
        onEnd() {},
        record: () => undefined,
      };
    },
  };
}

/** Splits each direction into lines in order of time and labels the JSON-RPC ones. */
export function conversationFrom(chunks: readonly Chunk[], clientIsDir0: boolean): { messages: RpcMessage[]; steps: StratumStep[]; otherMethods: string[] } {
  const lines: { ts: number; dir: Direction; text: string }[] = [];
  const carry: [string, string] = ['', ''];
  const carryTs: [number, number] = [0, 0];
  for (const c of chunks) {
    let text = carry[c.dir] + Buffer.from(c.bytes).toString('utf8');
    if (!carry[c.dir]) carryTs[c.dir] = c.ts;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl).trim();
      if (line) lines.push({ ts: carryTs[c.dir], dir: c.dir, text: line });
      text = text.slice(nl + 1);
      carryTs[c.dir] = c.ts;
    }
    carry[c.dir] = text.length > MAX_TRANSCRIPT_BYTES ? '' : text;
  }
  for (const d of [0, 1] as const) if (carry[d].trim()) lines.push({ ts: carryTs[d], dir: d, text: carry[d].trim() });
  lines.sort((x, y) => x.ts - y.ts);

  // A direction that carries HTTP requests carries the getwork/getblocktemplate family in bodies.
  const isHttpClient = lines.some((l) => l.dir === 0 && /^(POST|GET) \S+ HTTP\/1\.[01]$/.test(l.text));
  const requests = new Map<string, string>(); // id -> role of the request it answers
  const messages: RpcMessage[] = [];
  const steps: StratumStep[] = [];
  const other = new Set<string>();
  const addStep = (s: StratumStep) => {
    if (!steps.includes(s)) steps.push(s);
  };
  for (const line of lines) {
    // HTTP bodies sit on their own line after the headers; anything that is not JSON is skipped.
    const start = line.text.indexOf('{');
    if (start < 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text.slice(start));
    } catch {
      continue;
    }
    const msg = toRpcMessage(value);
    if (!msg) continue;
    const isClientSide = (line.dir === 0) === clientIsDir0;
    const side = isClientSide ? 'client' : 'server';
    const out: RpcMessage = { ts_us: line.ts, side, text: redact(line.text.slice(start)).slice(0, MAX_MESSAGE_TEXT) };
    if (msg.method !== undefined) out.method = msg.method;
    if (msg.id !== undefined) out.id = msg.id;
    const mining = classifyMining(msg, isHttpClient || line.text.startsWith('POST'));
    if (msg.kind === 'request' && mining) {
      const step: StratumStep =
        mining.role === 'login' || mining.role === 'subscribe' || mining.role === 'authorize'
          ? mining.role
          : mining.role === 'job' || (mining.role === 'getwork' && side === 'server')
            ? 'job'
            : mining.role === 'submit'
              ? 'submit'
              : mining.role === 'keepalive'
                ? 'keepalive'
                : 'other';
      out.step = step;
      if (step === 'job') out.job_fields = jobFields(msg.params);
      if (msg.id !== undefined && msg.id !== null) requests.set(String(msg.id), mining.role);
      addStep(step);
    } else if (msg.kind === 'request' && msg.method) {
      other.add(msg.method);
    } else if (msg.kind === 'response' && msg.id !== undefined && msg.id !== null) {
      const role = requests.get(String(msg.id));
      const res = isRecord(msg.result) ? msg.result : undefined;
      if (role === 'login' && res && readCryptoNoteJob(res['job'])) {
        out.step = 'job';
        out.job_fields = jobFields(res['job']);
        addStep('job');
      } else if (role === 'getwork' && isEthWorkPackage(msg.result)) {
        out.step = 'job';
        out.job_fields = ['header', 'seed', 'target'];
        addStep('job');
      } else if (role === 'submit') {
        out.step = 'result';
        out.accepted = readResultVerdict(msg).accepted;
        addStep('result');
      } else if (role) {
        out.step = 'result';
        addStep('result');
      }
    }
    if (messages.length < MAX_MESSAGES) messages.push(out);
  }
  return { messages, steps, otherMethods: [...other].sort() };
}

function jobFields(params: unknown): string[] {
  if (Array.isArray(params)) return ['job_id', 'prevhash', 'coinbase', 'merkle', 'version', 'nbits', 'ntime'].slice(0, Math.min(7, params.length));
  if (!isRecord(params)) return [];
  return ['blob', 'job_id', 'target', 'height', 'seed_hash', 'algo'].filter((k) => k in params);
}

/** Passwords never leave the capture: `"pass":"..."` and `"password":"..."` become "<redacted>". */
function redact(text: string): string {
  return text.replace(/("pass(?:word)?"\s*:\s*)"(?:[^"\\]|\\.)*"/g, '$1"<redacted>"');
}

export async function analyseCapture(file: string, source: string, alert: Alert, analysers: readonly Analyser[]): Promise<CaptureEvidence> {
  const t = tupleOf(alert);
  const decoder = new PacketDecoder(new AnomalyCounter());
  const d = newDecodedPacket();
  const packets: PacketLayers[] = [];
  const strings: string[] = [];
  const seenStrings = new Set<string>();
  let flowPackets = 0;
  let total = 0;
  const chunks: Chunk[] = [];
  const appProtocols = new Set<string>();
  let tls: CaptureEvidence['tls'];
  let nodeProtocol: string | undefined;
  const engine = new Engine({
    analysers: [transcriptAnalyser(t, chunks), ...analysers],
    onFlowEnd: (end) => {
      const r = end.record;
      const proto = r.proto === 'UDP' ? IpProto.UDP : IpProto.TCP;
      if (matchTuple(t, r.src_ip, r.src_port, r.dest_ip, r.dest_port, proto) < 0) return;
      for (const [name, rec] of Object.entries(end.protocols)) {
        if (name === 'transcript') continue;
        appProtocols.add(name);
        if (name === 'tls') {
          const x = rec as { sni?: string; alpn?: string[]; ja3?: { hash?: string } | string; ja4?: string; client_hello?: { sni?: string } };
          tls = {
            ...(x.sni ?? x.client_hello?.sni ? { sni: x.sni ?? x.client_hello?.sni } : {}),
            ...(x.alpn ? { alpn: x.alpn } : {}),
            ...(typeof x.ja4 === 'string' ? { ja4: x.ja4 } : {}),
          };
        }
        const hint = (rec as { node_rpc?: string; coin?: string }).node_rpc ?? (name === 'crypto_node' ? (rec as { coin?: string }).coin : undefined);
        if (hint) nodeProtocol = String(hint);
      }
    },
  });
  await readCapture(file, (raw) => {
    total++;
    engine.processPacket(raw);
    if (!decoder.decode(raw, d) || d.ipVersion === 0) return;
    const src = formatIp(d.srcAddr);
    const dst = formatIp(d.dstAddr);
    if (matchTuple(t, src, d.srcPort, dst, d.dstPort, d.protocol) < 0) return;
    flowPackets++;
    if (d.payload.length) collectStrings(d.payload, strings, seenStrings);
    if (packets.length < MAX_LISTED_PACKETS) {
      const tcp = d.protocol === IpProto.TCP ? ` [${flagText(d.tcpFlags)}] seq ${d.tcpSeq} ack ${d.tcpAck} win ${d.tcpWindow}` : '';
      packets.push({
        frame: raw.frameNumber,
        ts_us: raw.tsUs,
        length: raw.origLen,
        layers: layersOf(raw, d),
        summary: `${src}:${d.srcPort} > ${dst}:${d.dstPort}${tcp} len ${d.payload.length}`,
      });
    }
  });
  engine.finish();
  // Direction 0 is the engine's client side (from the SYN, or the ports), whatever the alert says.
  const conv = conversationFrom(chunks, true);
  const isTls = appProtocols.has('tls');
  return {
    source,
    file,
    packets_in_file: total,
    flow_packets: flowPackets,
    is_flow_found: flowPackets > 0,
    app_protocols: [...appProtocols].sort(),
    is_tls: isTls,
    ...(tls ? { tls } : {}),
    packets,
    strings,
    messages: conv.messages,
    steps: conv.steps,
    other_methods: conv.otherMethods,
    ...(nodeProtocol ? { node_protocol: nodeProtocol } : {}),
  };
}

export const capture: TriageAction<CaptureEvidence> = {
  name: 'capture',
  title: 'Capture',
  async run(alert, ctx) {
    if (ctx.captures.length === 0) return { status: 'not_available', reason: 'no capture source is configured' };
    const tried: string[] = [];
    for (const src of ctx.captures) {
      const file = await src.find(alert, ctx.signal);
      if (!file) {
        tried.push(src.name);
        continue;
      }
      const ev = await analyseCapture(file, src.name, alert, ctx.analysers?.() ?? []);
      if (!ev.is_flow_found) {
        tried.push(`${src.name} (file has no packet of this flow)`);
        continue;
      }
      return { status: 'done', evidence: ev };
    }
    return { status: 'not_available', reason: `no packets of this flow in: ${tried.join(', ')}` };
  },
};
