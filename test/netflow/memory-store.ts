// An in-memory stand-in for the flow half of the Store interface (putFlows/queryFlows with the
// same idempotence and overlap semantics as src/store/types.ts), for collector tests that must not
// depend on a database file.

import type { FlowRecord } from '../../src/flows/types.js';
import type { FlowQuery, Store } from '../../src/store/types.js';

export class MemoryFlowStore implements Pick<Store, 'putFlows' | 'queryFlows' | 'expireFlows'> {
  readonly flows = new Map<string, FlowRecord>();
  putCalls = 0;

  async putFlows(flows: FlowRecord[]): Promise<number> {
    this.putCalls++;
    let n = 0;
    for (const f of flows) {
      const k = `${f.flow_id}|${f.source}`;
      if (!this.flows.has(k)) {
        this.flows.set(k, structuredClone(f));
        n++;
      }
    }
    return n;
  }

  async queryFlows(q: FlowQuery): Promise<FlowRecord[]> {
    const out: FlowRecord[] = [];
    for (const f of this.flows.values()) {
      const hasIp = f.src_ip === q.ip || f.dest_ip === q.ip;
      if (!hasIp) continue;
      if (q.peer !== undefined) {
        const other = f.src_ip === q.ip ? f.dest_ip : f.src_ip;
        if (other !== q.peer && !(f.src_ip === q.peer || f.dest_ip === q.peer)) continue;
      }
      if (f.end_us < q.from_us || f.start_us > q.to_us) continue;
      out.push(f);
    }
    out.sort((a, b) => a.start_us - b.start_us || (a.flow_id < b.flow_id ? -1 : 1));
    return q.limit !== undefined ? out.slice(0, q.limit) : out;
  }

  async expireFlows(beforeUs: number): Promise<number> {
    let n = 0;
    for (const [k, f] of this.flows) {
      if (f.end_us < beforeUs) {
        this.flows.delete(k);
        n++;
      }
    }
    return n;
  }

  all(): FlowRecord[] {
    return [...this.flows.values()];
  }
}
