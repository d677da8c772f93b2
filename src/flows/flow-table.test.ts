// Flow table behaviour: one entry for both directions, orientation rules, counters, TCP state,
// idle and active timeouts on packet time, the maxFlows cap, and the EVE flow line.

import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../decode/types.js';
import { makePacket } from '../../test/flows/make-packet.js';
import type { Flow, FlowEndReason } from './flow.js';
import { FlowTable, type FlowTableOptions } from './flow-table.js';
import { buildFlowRecord, flowRecordToEve } from './flow-record.js';

const { SYN, ACK, FIN, PSH, RST } = TcpFlag;
const C = '10.0.0.5';
const S = '198.51.100.7';

function table(opts: Partial<FlowTableOptions> = {}) {
  const ended: Array<{ flow: Flow; reason: FlowEndReason }> = [];
  const t = new FlowTable(opts, (flow, reason) => ended.push({ flow, reason }));
  return { t, ended };
}

function handshake(t: FlowTable, ts: number, sport = 40000, dport = 3333) {
  t.packet(makePacket({ ts, src: C, sport, dst: S, dport, flags: SYN, seq: 1 }));
  t.packet(makePacket({ ts: ts + 10, src: S, sport: dport, dst: C, dport: sport, flags: SYN | ACK, seq: 9 }));
  return t.packet(makePacket({ ts: ts + 20, src: C, sport, dst: S, dport, flags: ACK, seq: 2 }));
}

describe('FlowTable', () => {
  it('keeps both directions in one flow, oriented by the SYN, counting frames and bytes each way', () => {
    const { t } = table();
    const f = handshake(t, 1_000_000);
    t.packet(makePacket({ ts: 1_000_030, src: S, sport: 3333, dst: C, dport: 40000, flags: ACK | PSH, payload: 'x'.repeat(100) }));
    expect(t.size).toBe(1);
    expect(t.direction).toBe(1);
    expect([f.clientIp, f.clientPort, f.serverIp, f.serverPort]).toEqual([C, 40000, S, 3333]);
    expect(f.isOrientationFromSyn).toBe(true);
    expect([f.pktsToServer, f.pktsToClient]).toEqual([2, 2]);
    expect([f.bytesToServer, f.bytesToClient]).toEqual([54 * 2, 54 + 154]);
    expect(f.flagsToServer).toBe(SYN | ACK);
    expect(f.flagsToClient).toBe(SYN | ACK | PSH);
    expect(f.state).toBe('established');
  });

  it('orients a flow whose SYN was missed: SYN+ACK sender is the server', () => {
    const { t } = table();
    const f = t.packet(makePacket({ ts: 1, src: S, sport: 5000, dst: C, dport: 6000, flags: SYN | ACK }));
    expect([f.clientIp, f.serverPort, f.isOrientationFromSyn]).toEqual([C, 5000, true]);
  });

  it('orients mid-stream flows from ports: ephemeral side is the client, then well-known side the server', () => {
    const { t } = table();
    const a = t.packet(makePacket({ ts: 1, src: S, sport: 14444, dst: C, dport: 51000, flags: ACK }));
    expect([a.clientIp, a.clientPort, a.serverPort, a.isOrientationFromSyn]).toEqual([C, 51000, 14444, false]);
    const b = t.packet(makePacket({ ts: 2, src: S, sport: 443, dst: C, dport: 3000, flags: ACK }));
    expect([b.clientPort, b.serverPort]).toEqual([3000, 443]);
    const c = t.packet(makePacket({ ts: 3, src: S, sport: 5000, dst: C, dport: 3333, flags: ACK }));
    expect([c.clientPort, c.serverPort]).toEqual([5000, 3333]);
    const d = t.packet(makePacket({ ts: 4, src: C, sport: 5353, dst: S, dport: 5353, proto: 17 }));
    expect([d.clientIp, d.transport]).toEqual([C, 'udp']);
  });

  it('follows TCP state to closed on FIN/FIN/ACK and on RST', () => {
    const { t } = table();
    const f = handshake(t, 0);
    t.packet(makePacket({ ts: 30, src: C, sport: 40000, dst: S, dport: 3333, flags: FIN | ACK }));
    expect(f.state).toBe('established');
    t.packet(makePacket({ ts: 40, src: S, sport: 3333, dst: C, dport: 40000, flags: FIN | ACK }));
    t.packet(makePacket({ ts: 50, src: C, sport: 40000, dst: S, dport: 3333, flags: ACK }));
    expect(f.state).toBe('closed');
    const g = handshake(t, 100, 40001);
    t.packet(makePacket({ ts: 200, src: S, sport: 3333, dst: C, dport: 40001, flags: RST }));
    expect(g.state).toBe('closed');
  });

  it('times flows out on packet time, per class', () => {
    const { t, ended } = table({ udpNewTimeoutS: 30, tcpEstablishedTimeoutS: 600 });
    handshake(t, 0);
    t.packet(makePacket({ ts: 5, src: C, sport: 50000, dst: S, dport: 53, proto: 17 }));
    t.packet(makePacket({ ts: 31_000_000, src: C, sport: 50001, dst: S, dport: 53, proto: 17 }));
    expect(ended.map((e) => [e.flow.clientPort, e.reason])).toEqual([[50000, 'timeout']]);
    t.packet(makePacket({ ts: 601_000_000, src: C, sport: 50002, dst: S, dport: 53, proto: 17 }));
    expect(ended.map((e) => e.flow.clientPort)).toEqual([50000, 40000, 50001]);
    expect(t.counters.timedOut).toBe(3);
  });

  it('cuts a flow at the active timeout and continues it as a new flow with the same orientation', () => {
    const { t, ended } = table({ activeTimeoutS: 10, tcpEstablishedTimeoutS: 600 });
    const first = handshake(t, 0);
    const second = t.packet(makePacket({ ts: 10_000_000, src: S, sport: 3333, dst: C, dport: 40000, flags: ACK }));
    expect(ended).toEqual([{ flow: first, reason: 'active-timeout' }]);
    expect(second).not.toBe(first);
    expect([second.clientIp, second.pktsToClient, t.direction]).toEqual([C, 1, 1]);
    expect(t.counters.activeTimedOut).toBe(1);
  });

  it('starts a new flow when a SYN reuses the tuple of a closed connection', () => {
    const { t, ended } = table();
    const f = handshake(t, 0);
    t.packet(makePacket({ ts: 30, src: C, sport: 40000, dst: S, dport: 3333, flags: RST }));
    const g = t.packet(makePacket({ ts: 40, src: C, sport: 40000, dst: S, dport: 3333, flags: SYN }));
    expect(g).not.toBe(f);
    expect(ended.map((e) => e.reason)).toEqual(['tcp-reuse']);
  });

  it('evicts the least recently seen flow beyond maxFlows and counts it', () => {
    const { t, ended } = table({ maxFlows: 3 });
    const S1 = 1_000_000;
    for (let i = 0; i < 3; i++) t.packet(makePacket({ ts: i * S1, src: C, sport: 50000 + i, dst: S, dport: 53, proto: 17 }));
    t.packet(makePacket({ ts: 10 * S1, src: C, sport: 50000, dst: S, dport: 53, proto: 17 })); // refresh the first
    t.packet(makePacket({ ts: 11 * S1, src: C, sport: 50009, dst: S, dport: 53, proto: 17 }));
    expect(t.size).toBe(3);
    expect(t.counters.evicted).toBe(1);
    expect(ended.map((e) => [e.flow.clientPort, e.reason])).toEqual([[50001, 'forced']]);
  });

  it('orders flows seen within one relink interval by when they were last moved, and still times each out exactly', () => {
    const { t, ended } = table({ udpNewTimeoutS: 30, udpEstablishedTimeoutS: 30 });
    // Two flows a few microseconds apart; the first is seen again 0.5 s later (no move on its list).
    t.packet(makePacket({ ts: 0, src: C, sport: 50000, dst: S, dport: 53, proto: 17 }));
    t.packet(makePacket({ ts: 5, src: C, sport: 50001, dst: S, dport: 53, proto: 17 }));
    t.packet(makePacket({ ts: 500_000, src: C, sport: 50000, dst: S, dport: 53, proto: 17 }));
    // At 30.1 s only the second is idle past 30 s; the first, ahead of it on the list, is passed over.
    t.expire(30_100_000);
    expect(ended.map((e) => e.flow.clientPort)).toEqual([50001]);
    t.expire(30_500_000);
    expect(ended.map((e) => e.flow.clientPort)).toEqual([50001, 50000]);
    expect(t.counters.timedOut).toBe(2);
  });

  it('holds many flows apart (hash table growth) and separates VLANs', () => {
    const { t } = table();
    for (let i = 0; i < 5000; i++) {
      t.packet(makePacket({ ts: i, src: `10.1.${i >> 8}.${i & 255}`, sport: 40000, dst: S, dport: 80, flags: SYN }));
    }
    t.packet(makePacket({ ts: 9000, src: '10.1.0.0', sport: 40000, dst: S, dport: 80, flags: SYN, vlan: 7 }));
    expect(t.size).toBe(5001);
    for (let i = 0; i < 5000; i += 97) {
      const f = t.packet(makePacket({ ts: 10000, src: S, sport: 80, dst: `10.1.${i >> 8}.${i & 255}`, dport: 40000, flags: SYN | ACK }));
      expect(f.pktsToClient).toBe(1);
      expect(f.vlan).toBe(0);
    }
    expect(t.size).toBe(5001);
  });

  it('ends every flow at shutdown and writes deterministic EVE flow lines', () => {
    const run = () => {
      const { t, ended } = table();
      handshake(t, 1_700_000_000_000_000);
      t.packet(makePacket({ ts: 1_700_000_002_500_000, src: C, sport: 40000, dst: S, dport: 3333, flags: ACK | PSH, payload: 'abc' }));
      t.shutdown();
      const e = ended[0]!;
      return flowRecordToEve(buildFlowRecord(e.flow, e.reason, 'stratum'), { stratum: { method: 'login' } });
    };
    const eve = run();
    expect(JSON.stringify(run())).toBe(JSON.stringify(eve));
    expect(eve).toMatchObject({
      event_type: 'flow',
      src_ip: C,
      src_port: 40000,
      dest_ip: S,
      dest_port: 3333,
      proto: 'TCP',
      app_proto: 'stratum',
      flow: {
        pkts_toserver: 3,
        pkts_toclient: 1,
        bytes_toserver: 54 * 2 + 57,
        bytes_toclient: 54,
        start: '2023-11-14T22:13:20.000000+0000',
        end: '2023-11-14T22:13:22.500000+0000',
        age: 2,
        state: 'established',
        reason: 'shutdown',
        alerted: false,
      },
      tcp: { tcp_flags: '1a', tcp_flags_ts: '1a', tcp_flags_tc: '12', syn: true, ack: true, psh: true, state: 'established' },
      stratum: { method: 'login' },
    });
    expect(typeof eve.flow_id).toBe('number');
    expect(eve.community_id).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
  });
});
