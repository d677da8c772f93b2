// The engine wiring, with hand-built packets and small analysers written for the test: probing
// and replay, per-datagram UDP probing, the exception boundary, facts and flow ends reaching the
// detector, alerts reaching the listener, alert captures, and the counters.

import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/types.js';
import type { CapturedPacket } from '../capture/types.js';
import { TcpFlag } from '../decode/types.js';
import type { Analyser, AnalyserSession, Direction, FactEvent, ProbeResult, SessionContext, SessionStatus } from '../protocols/analyser.js';
import { NEED_MORE, OK, violation } from '../protocols/analyser.js';
import { makePacket, type PacketSpec } from '../../test/flows/make-packet.js';
import { Engine, type EngineOptions } from './engine.js';
import type { Detector, DetectorContext, FlowEnd, FlowView } from './types.js';

const { SYN, ACK, PSH, FIN } = TcpFlag;
const td = new TextDecoder();

/** Accepts streams whose first line starts with `word`; 'maybe' until a newline is seen. */
function lineAnalyser(name: string, word: string, opts: { throwOn?: string; transports?: Array<'tcp' | 'udp'> } = {}): Analyser {
  return {
    name,
    transports: opts.transports ?? ['tcp'],
    probe(data: Uint8Array): ProbeResult {
      const s = td.decode(data);
      if (!s.includes('\n')) return word.startsWith(s) || s.startsWith(word) ? 'maybe' : 'no';
      return s.startsWith(word) ? 'yes' : 'no';
    },
    createSession(ctx: SessionContext): AnalyserSession {
      const seen: [string, string] = ['', ''];
      let gaps = 0;
      return {
        onData(dir: Direction, data: Uint8Array, tsUs: number): SessionStatus {
          seen[dir] += td.decode(data);
          if (opts.throwOn !== undefined && seen[dir].includes(opts.throwOn)) throw new Error('analyser bug');
          if (seen[dir].includes('\n') && dir === 0) ctx.emit({ name: `${name}.line`, tsUs, direction: dir, data: { line: seen[dir].split('\n')[0] } });
          if (seen[dir].includes('BAD')) return violation('bad_word');
          return seen[dir].includes('\n') ? OK : NEED_MORE;
        },
        onGap(): SessionStatus {
          gaps++;
          return OK;
        },
        onEnd(tsUs: number): void {
          ctx.emit({ name: `${name}.end`, tsUs, direction: 0, data: {} });
        },
        record() {
          return { toserver: seen[0], toclient: seen[1], gaps };
        },
      };
    },
  };
}

class RecordingDetector implements Detector {
  facts: Array<[string, FactEvent]> = [];
  ends: FlowEnd[] = [];
  flushed = 0;
  constructor(private readonly ctx?: DetectorContext) {}
  onFact(flow: FlowView, event: FactEvent): void {
    this.facts.push([flow.flowId, event]);
    if (event.name === 'hello.line' && this.ctx) {
      flow.markAlerted();
      this.ctx.markFlowForCapture(flow.flowId, 'alert-1');
      this.ctx.emitAlert({ id: 'a1', flow_id: flow.flowId, src_ip: flow.clientIp } as Alert);
    }
  }
  onFlowEnd(_flow: FlowView, end: FlowEnd): void {
    this.ends.push(end);
  }
  flush(): void {
    this.flushed++;
  }
}

const C = '10.0.0.5';
const S = '192.0.2.9';

function tcpConversation(sport: number, client: string[], server: string[], start = 1_000_000): PacketSpec[] {
  const out: PacketSpec[] = [];
  let ts = start;
  let cs = 100;
  let ss = 5000;
  out.push({ ts: ts++, src: C, sport, dst: S, dport: 7000, flags: SYN, seq: cs++ });
  out.push({ ts: ts++, src: S, sport: 7000, dst: C, dport: sport, flags: SYN | ACK, seq: ss++ });
  out.push({ ts: ts++, src: C, sport, dst: S, dport: 7000, flags: ACK, seq: cs });
  const n = Math.max(client.length, server.length);
  for (let i = 0; i < n; i++) {
    const c = client[i];
    if (c !== undefined) {
      out.push({ ts: ts++, src: C, sport, dst: S, dport: 7000, flags: ACK | PSH, seq: cs, payload: c });
      cs += c.length;
    }
    const s = server[i];
    if (s !== undefined) {
      out.push({ ts: ts++, src: S, sport: 7000, dst: C, dport: sport, flags: ACK | PSH, seq: ss, payload: s });
      ss += s.length;
    }
  }
  out.push({ ts: ts++, src: C, sport, dst: S, dport: 7000, flags: FIN | ACK, seq: cs });
  out.push({ ts: ts++, src: S, sport: 7000, dst: C, dport: sport, flags: FIN | ACK, seq: ss });
  return out;
}

function raw(spec: PacketSpec, frame: number): CapturedPacket {
  const data = new Uint8Array(64);
  data[0] = frame & 0xff;
  return { tsUs: spec.ts, linkType: 1, data, origLen: 64, interfaceId: 0, frameNumber: frame, fileOffset: 0 };
}

function run(specs: PacketSpec[], opts: Partial<EngineOptions> & { analysers: Analyser[] }) {
  const det = new RecordingDetector();
  const e = new Engine({ detector: det, ...opts });
  specs.forEach((s, i) => e.processDecoded(makePacket(s), raw(s, i + 1)));
  e.finish();
  return { e, det };
}

describe('Engine', () => {
  it('opens a session on yes, feeds both directions and reports its record, app_proto and facts', () => {
    const hello = lineAnalyser('hello', 'HELLO');
    const other = lineAnalyser('other', 'NOPE');
    const { e, det } = run(tcpConversation(40000, ['HELLO world\n'], ['WELCOME\n']), { analysers: [other, hello] });
    expect(det.ends).toHaveLength(1);
    const end = det.ends[0]!;
    expect(end.record.app_proto).toBe('hello');
    expect(end.protocols).toEqual({ hello: { toserver: 'HELLO world\n', toclient: 'WELCOME\n', gaps: 0 } });
    expect(end.eve.hello).toEqual(end.protocols.hello);
    expect(det.facts.map(([, f]) => f.name)).toEqual(['hello.line', 'hello.end']);
    expect(det.facts[0]![1].data).toEqual({ line: 'HELLO world' });
    expect(det.flushed).toBe(1);
    const c = e.counters();
    expect(c['analyser.hello.sessions']).toBe(1);
    expect(c['analyser.other.sessions']).toBeUndefined();
    expect(c['fact.hello.line']).toBe(1);
    expect(Object.keys(c)).toEqual([...Object.keys(c)].sort());
  });

  it("keeps probing on 'maybe' and replays the stream from its start, in arrival order", () => {
    const hello = lineAnalyser('hello', 'HELLO');
    const specs = tcpConversation(40001, ['HE', 'LL', 'O there\n'], ['hi ', undefined as unknown as string, 'again\n']);
    const { det } = run(specs.filter((s) => s !== undefined), { analysers: [hello] });
    expect(det.ends[0]!.protocols.hello).toEqual({ toserver: 'HELLO there\n', toclient: 'hi again\n', gaps: 0 });
  });

  it('gives up on a direction after maxProbeBytes of maybe', () => {
    const hello = lineAnalyser('hello', 'HELLOHELLOHELLO');
    const { e, det } = run(tcpConversation(40002, ['HELLO', 'HELLO', 'HELLO'], []), { analysers: [hello], maxProbeBytes: 8 });
    expect(det.ends[0]!.record.app_proto).toBeUndefined();
    expect(e.counters()['analyser.probe_limit']).toBe(1);
  });

  it('catches an analyser exception, counts it and switches only that analyser off for the flow', () => {
    const boom = lineAnalyser('boom', 'HELLO', { throwOn: 'crash' });
    const hello = lineAnalyser('hello', 'HELLO');
    const { e, det } = run(tcpConversation(40003, ['HELLO\n', 'crash\n', 'more\n'], []), { analysers: [boom, hello] });
    const c = e.counters();
    expect(c['analyser.boom.exception']).toBe(1);
    const end = det.ends[0]!;
    expect(end.record.app_proto).toBe('hello');
    expect(Object.keys(end.protocols)).toEqual(['hello']);
    expect((end.protocols.hello as { toserver: string }).toserver).toBe('HELLO\ncrash\nmore\n');
  });

  it('stops feeding a session that reports a violation and names the anomaly', () => {
    const hello = lineAnalyser('hello', 'HELLO');
    const { e, det } = run(tcpConversation(40004, ['HELLO\n', 'BAD\n'], []), { analysers: [hello] });
    expect(det.ends[0]!.record.app_proto).toBeUndefined();
    expect(e.counters()['analyser.hello.violation']).toBe(1);
    expect(e.counters()['anomaly.hello.bad_word']).toBe(1);
  });

  it('probes UDP analysers per datagram', () => {
    const dns = lineAnalyser('dnsish', 'Q', { transports: ['udp'] });
    const specs: PacketSpec[] = [
      { ts: 1, src: C, sport: 50000, dst: S, dport: 53, proto: 17, payload: 'Q' },
      { ts: 2, src: C, sport: 50000, dst: S, dport: 53, proto: 17, payload: 'Q one\n' },
      { ts: 3, src: S, sport: 53, dst: C, dport: 50000, proto: 17, payload: 'A one\n' },
    ];
    const { det } = run(specs, { analysers: [dns, lineAnalyser('tcponly', 'Q')] });
    const end = det.ends[0]!;
    expect(end.record.proto).toBe('UDP');
    expect(end.record.app_proto).toBe('dnsish');
    // The session opened on the second datagram; the first one was replayed to it.
    expect(end.protocols.dnsish).toEqual({ toserver: 'QQ one\n', toclient: 'A one\n', gaps: 0 });
  });

  it('passes alerts to the listener and writes the packets of marked flows, handshake included', () => {
    const hello = lineAnalyser('hello', 'HELLO');
    const written: Array<{ name: string; frames: number[] }> = [];
    const alerts: Alert[] = [];
    const ends: FlowEnd[] = [];
    const e = new Engine({
      analysers: [hello],
      detector: (ctx) => new RecordingDetector(ctx),
      onAlert: (a) => alerts.push(a),
      onFlowEnd: (end) => ends.push(end),
      alertCapture: {
        openWriter(name) {
          const w = { name, frames: [] as number[] };
          written.push(w);
          return { write: (_ts, data) => w.frames.push(data[0]!), close: () => undefined };
        },
        maxPacketsPerFlow: 4,
      },
    });
    const a = tcpConversation(40005, ['HE', 'LL', 'O\n'], []);
    const b = tcpConversation(40006, ['nothing\n'], [], 2_000_000);
    [...a, ...b].forEach((s, i) => e.processDecoded(makePacket(s), raw(s, i + 1)));
    e.finish();
    expect(alerts).toHaveLength(1);
    expect(written).toHaveLength(1);
    // Frames 1-4 were buffered (the cap), 5 was not, 6 carried HELLO and marked the flow, 7-8 followed.
    expect(written[0]!.frames).toEqual([1, 2, 3, 4, 6, 7, 8]);
    const c = e.counters();
    // Frame 5 of the first flow and the last two of the second (never marked) exceeded the cap.
    expect(c['alert_capture.not_buffered']).toBe(3);
    expect(c['alert_capture.written']).toBe(7);
    expect(c.alerts).toBe(1);
    const alerted = ends.find((x) => x.record.src_port === 40005)!;
    expect((alerted.eve.flow as { alerted: boolean }).alerted).toBe(true);
  });

  it('delivers reordered and retransmitted segments to sessions once, in order', () => {
    const hello = lineAnalyser('hello', 'HELLO');
    const specs = tcpConversation(40007, ['HELLO ', 'big ', 'world\n'], []);
    // Swap the 2nd and 3rd data segments and retransmit the first.
    const d = specs.filter((s) => s.payload !== undefined);
    const order = [...specs.slice(0, 3), d[0]!, d[2]!, d[1]!, d[0]!, ...specs.slice(-2)];
    const { e, det } = run(order, { analysers: [hello] });
    expect((det.ends[0]!.protocols.hello as { toserver: string }).toserver).toBe('HELLO big world\n');
    expect(e.counters()['tcp.retransmission']).toBe(1);
    expect(e.counters()['tcp.out_of_order']).toBe(1);
  });
});
