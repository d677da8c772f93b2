// The store contract: one suite every adapter must pass (SQLite and PostgreSQL run it from their own
// test files). It covers every method of Store, idempotent writes, keyset paging, filters, flow
// windows across day buckets, expiry, and migrating twice.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import type { FlowRecord } from '../../src/flows/types.js';
import { DAY_US } from '../../src/store/common.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { expireByRetention } from '../../src/store/retention.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import type { Store } from '../../src/store/types.js';
import { makeAlert, makeFlow, SEC, T0 } from './records.js';

export interface StoreHarness {
  /** Opens (and migrates) a store on the same database each time it is called. */
  open(): Promise<Store>;
  /** Removes the database (file or schema) after the suite. */
  cleanup(): Promise<void>;
}

export function storeContract(name: string, harness: () => StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;

    beforeAll(async () => {
      h = harness();
      store = await h.open();
    });
    afterAll(async () => {
      await store?.close();
      await h?.cleanup();
    });

    it('migrates twice and from a second connection without changing data', async () => {
      await store.setMeta('probe', 'before');
      const applied = async (s: Store): Promise<{ version: number; name: string }[]> =>
        (s as unknown as { appliedMigrations(): Promise<{ version: number; name: string }[]> }).appliedMigrations();
      const first = await applied(store);
      const versions = (store.kind === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS).map((m) => m.version);
      expect(first.map((m) => m.version)).toEqual(versions);
      expect(versions.slice(0, 4)).toEqual([1, 2, 3, 4]);
      await store.migrate();
      await store.migrate();
      const other = await h.open();
      try {
        expect(other.kind).toBe(store.kind);
        expect(await other.getMeta('probe')).toBe('before');
        expect(await applied(other)).toEqual(first);
      } finally {
        await other.close();
      }
    });

    describe('alerts', () => {
      const alerts = Array.from({ length: 25 }, (_, i) => makeAlert(i));
      /** Everything stored so far, for computing what a filter should return. */
      const stored: Alert[] = [...alerts];

      beforeAll(async () => {
        expect(await store.putAlerts(alerts, T0 + 100 * SEC)).toBe(25);
      });

      it('stores the same alert once, however often it comes', async () => {
        expect(await store.putAlerts(alerts.slice(0, 5), T0 + 200 * SEC)).toBe(0);
        expect(await store.putAlerts([makeAlert(3), makeAlert(3)], T0)).toBe(0);
        expect(await store.countAlerts({})).toBe(25);
        // The first receipt time stays.
        expect((await store.getAlert('a00003'))?.received_us).toBe(T0 + 100 * SEC);
        expect(await store.putAlerts([], T0)).toBe(0);
      });

      it('returns the alert document as it was given, plus workflow fields', async () => {
        const got = await store.getAlert('a00007');
        expect(got).toEqual({
          ...makeAlert(7),
          status: 'new',
          assignee: null,
          verdict: null,
          verdict_note: null,
          received_us: T0 + 100 * SEC,
          first_look_us: null,
          verdict_us: null,
          triage_verdict: null,
          triage_confidence: null,
        });
        expect(await store.getAlert('nope')).toBeUndefined();
      });

      it('lists newest first and pages by keyset without gaps or repeats', async () => {
        const seen: string[] = [];
        let after: { ts_us: number; id: string } | undefined;
        for (;;) {
          const page = await store.listAlerts({ limit: 10, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((a) => a.id));
          const last = page[page.length - 1];
          if (last === undefined) break;
          after = { ts_us: last.ts_us, id: last.id };
        }
        expect(seen).toEqual(alerts.map((a) => a.id).reverse());
      });

      it('pages oldest first too, and breaks ts_us ties by id', async () => {
        const tie = [makeAlert(900, { id: 'tie-b', ts_us: T0 + 5 * SEC }), makeAlert(901, { id: 'tie-a', ts_us: T0 + 5 * SEC })];
        await store.putAlerts(tie, T0);
        stored.push(...tie);
        const first = await store.listAlerts({ limit: 6, order: 'oldest' });
        expect(first.map((a) => a.id)).toEqual(['a00000', 'a00001', 'a00002', 'a00003', 'a00004', 'a00005']);
        const p1 = await store.listAlerts({ limit: 2, order: 'oldest', after: { ts_us: T0 + 4 * SEC, id: 'a00004' } });
        expect(p1.map((a) => a.id)).toEqual(['a00005', 'tie-a']);
        const p2 = await store.listAlerts({ limit: 2, order: 'oldest', after: { ts_us: T0 + 5 * SEC, id: 'tie-a' } });
        expect(p2.map((a) => a.id)).toEqual(['tie-b', 'a00006']);
        const newest = await store.listAlerts({ limit: 3, after: { ts_us: T0 + 6 * SEC, id: 'a00006' } });
        expect(newest.map((a) => a.id)).toEqual(['tie-b', 'tie-a', 'a00005']);
      });

      it('filters by status, source, signature, severity, address, text and time, and counts the same', async () => {
        const check = async (q: Parameters<Store['listAlerts']>[0], expected: string[]): Promise<void> => {
          const got = (await store.listAlerts(q)).map((a) => a.id).sort();
          expect(got).toEqual([...expected].sort());
          const { limit: _l, after: _a, ...cq } = q;
          expect(await store.countAlerts(cq)).toBe(expected.length);
        };
        const ids = (pred: (a: Alert) => boolean): string[] => stored.filter(pred).map((a) => a.id);
        await check({ limit: 100, signature_id: 9000001 }, ids((a) => a.alert.signature_id === 9000001));
        await check({ limit: 100, severity: 2 }, ids((a) => a.alert.severity === 2));
        await check({ limit: 100, ip: '10.0.0.3' }, ids((a) => a.src_ip === '10.0.0.3'));
        await check({ limit: 100, ip: '203.0.113.2' }, ids((a) => a.dest_ip === '203.0.113.2'));
        await check({ limit: 100, text: 'xmrig' }, ids((a) => a.alert.signature.includes('XMRig')));
        await check({ limit: 100, text: 'wallet 4A12' }, ['a00012']);
        await check({ limit: 100, text: '100%' }, []);
        await check({ limit: 100, text: 'login_' }, []);
        await check({ limit: 100, from_us: T0 + 10 * SEC, to_us: T0 + 12 * SEC }, ['a00010', 'a00011', 'a00012']);
        await check(
          { limit: 100, source: 'sensor', severity: 1, signature_id: 9000000 },
          ids((a) => a.alert.severity === 1 && a.alert.signature_id === 9000000),
        );
        await check({ limit: 100, source: 'panos' }, []);
        await store.putAlerts([makeAlert(950, { id: 'pan-1', source: 'panos' })], T0);
        await check({ limit: 100, source: 'panos' }, ['pan-1']);
        await check({ limit: 100, status: 'closed' }, []);
      });

      it('updates workflow fields and filters on the new status', async () => {
        expect(await store.updateAlert('a00002', { status: 'in_progress', assignee: 'ana', first_look_us: T0 + 9 })).toBe(true);
        expect(
          await store.updateAlert('a00004', {
            status: 'closed',
            verdict: 'true_positive',
            verdict_note: 'pool login seen',
            verdict_us: T0 + 10,
          }),
        ).toBe(true);
        expect(await store.updateAlert('missing', { status: 'closed' })).toBe(false);
        expect(await store.updateAlert('a00002', {})).toBe(true);
        const a2 = await store.getAlert('a00002');
        expect([a2?.status, a2?.assignee, a2?.first_look_us, a2?.verdict]).toEqual(['in_progress', 'ana', T0 + 9, null]);
        const a4 = await store.getAlert('a00004');
        expect([a4?.status, a4?.verdict, a4?.verdict_note, a4?.verdict_us]).toEqual(['closed', 'true_positive', 'pool login seen', T0 + 10]);
        expect((await store.listAlerts({ limit: 10, status: 'closed' })).map((a) => a.id)).toEqual(['a00004']);
        expect(await store.countAlerts({ status: 'in_progress' })).toBe(1);
      });
    });

    describe('triage', () => {
      it('upserts by alert id and marks the alert', async () => {
        const row = {
          alert_id: 'a00001',
          report: { steps: ['login', 'job'], verdict: 'mining' },
          verdict: 'true_positive',
          confidence: 0.8,
          started_us: T0 + 1,
          finished_us: T0 + 2,
        };
        expect(await store.getTriage('a00001')).toBeUndefined();
        const untriaged = async () => (await store.listAlerts({ untriaged: true, limit: 1000 })).map((a) => a.id);
        expect(await untriaged()).toContain('a00001');
        await store.putTriage(row);
        expect(await untriaged()).not.toContain('a00001');
        expect(await store.getTriage('a00001')).toEqual(row);
        const again = { ...row, confidence: 0.95, report: { steps: ['login', 'job', 'submit'] }, finished_us: T0 + 3 };
        await store.putTriage(again);
        expect(await store.getTriage('a00001')).toEqual(again);
        const a = await store.getAlert('a00001');
        expect([a?.triage_verdict, a?.triage_confidence]).toEqual(['true_positive', 0.95]);
      });
    });

    describe('flows', () => {
      it('stores the same flow once and round-trips every field', async () => {
        const full = makeFlow(1, {
          community_id: '1:abc=',
          observer: 'sensor-a',
          vlan: 12,
          app_proto: 'stratum',
          state: 'closed',
          reason: 'timeout',
          tcp_flags: 0x1b,
          extra: { history: 'ShADadFf', n: 3 },
        });
        const flows = [full, makeFlow(2), makeFlow(3)];
        expect(await store.putFlows(flows)).toBe(3);
        expect(await store.putFlows(flows)).toBe(0);
        expect(await store.putFlows([makeFlow(2), makeFlow(2), makeFlow(4)])).toBe(1);
        // Same flow id from another source is another record.
        expect(await store.putFlows([makeFlow(2, { source: 'netflow9' })])).toBe(1);
        expect(await store.putFlows([])).toBe(0);
        const got = await store.queryFlows({ ip: '10.0.0.5', from_us: T0, to_us: T0 + 10 * SEC });
        expect(got.length).toBe(5);
        expect(got[0]).toEqual(full);
        expect(got[1]).toEqual(makeFlow(2));
      });

      it('finds flows by either side, by peer, overlapping the window, across day buckets', async () => {
        const base = T0 + 10 * DAY_US;
        const mk = (id: string, src: string, dst: string, startS: number, endS: number): FlowRecord =>
          makeFlow(0, { flow_id: id, src_ip: src, dest_ip: dst, start_us: base + startS * SEC, end_us: base + endS * SEC });
        const day = 86_400;
        await store.putFlows([
          mk('in', '10.1.1.1', '192.0.2.9', 100, 200),
          mk('rev', '192.0.2.9', '10.1.1.1', 150, 160),
          mk('self', '10.1.1.1', '10.1.1.1', 170, 171),
          mk('before', '10.1.1.1', '192.0.2.9', 10, 50),
          mk('after', '10.1.1.1', '192.0.2.9', 1000, 1001),
          mk('other-peer', '10.1.1.1', '192.0.2.200', 120, 130),
          mk('unrelated', '10.9.9.9', '192.0.2.9', 120, 130),
          // Starts a day and a half before the window, still open inside it.
          mk('long', '10.1.1.1', '192.0.2.9', -1.5 * day, 110),
          // Starts the next day: its own bucket.
          mk('next-day', '192.0.2.9', '10.1.1.1', day + 5, day + 6),
        ]);
        const ids = async (q: Omit<Parameters<Store['queryFlows']>[0], 'ip'> & { ip?: string }): Promise<string[]> =>
          (await store.queryFlows({ ip: '10.1.1.1', ...q })).map((f) => f.flow_id);
        expect(await ids({ from_us: base + 100 * SEC, to_us: base + 500 * SEC })).toEqual([
          'long',
          'in',
          'other-peer',
          'rev',
          'self',
        ]);
        expect(await ids({ from_us: base + 100 * SEC, to_us: base + 500 * SEC, peer: '192.0.2.9' })).toEqual(['long', 'in', 'rev']);
        expect(await ids({ from_us: base + 100 * SEC, to_us: base + 2 * day * SEC })).toContain('next-day');
        expect(await ids({ from_us: base + 40 * SEC, to_us: base + 60 * SEC })).toEqual(['long', 'before']);
        expect(await ids({ from_us: base + 100 * SEC, to_us: base + 500 * SEC, limit: 2 })).toEqual(['long', 'in']);
        expect(await ids({ ip: '192.0.2.200', from_us: base, to_us: base + day * SEC })).toEqual(['other-peer']);
        expect(await ids({ from_us: base + 5000 * SEC, to_us: base + 6000 * SEC })).toEqual([]);
        expect(await ids({ from_us: T0 - 400 * DAY_US, to_us: T0 - 399 * DAY_US })).toEqual([]);
      });

      it('answers a window of several days in start order, with the limit cutting inside any day', async () => {
        // Past every other test's flows and their expiry cuts.
        const base = T0 + 100 * DAY_US;
        const ip = '10.4.4.4';
        const peer = '192.0.2.77';
        const flows: FlowRecord[] = [];
        for (let d = 0; d < 4; d++) {
          for (let k = 0; k < 3; k++) {
            // The middle flow of each day is inbound, so both sides of the query meet in each day.
            const start = base + d * DAY_US + (100 + 10 * k) * SEC;
            flows.push(makeFlow(0, { flow_id: `w${d}-${k}`, src_ip: k === 1 ? peer : ip, dest_ip: k === 1 ? ip : peer, start_us: start, end_us: start + 5 * SEC }));
          }
        }
        // Started two hours before the window (the day before), still open inside it.
        flows.push(makeFlow(0, { flow_id: 'w-long', src_ip: ip, dest_ip: peer, start_us: base - 7200 * SEC, end_us: base + 200 * SEC }));
        flows.push(makeFlow(0, { flow_id: 'w-other', src_ip: ip, dest_ip: '192.0.2.78', start_us: base + DAY_US + 105 * SEC, end_us: base + DAY_US + 106 * SEC }));
        expect(await store.putFlows(flows)).toBe(flows.length);
        const week = { from_us: base, to_us: base + 4 * DAY_US };
        const ids = async (q: { limit?: number; peer?: string; from_us?: number; to_us?: number }): Promise<string[]> =>
          (await store.queryFlows({ ip, ...week, ...q })).map((f) => f.flow_id);
        const inOrder = ['w-long', 'w0-0', 'w0-1', 'w0-2', 'w1-0', 'w-other', 'w1-1', 'w1-2', 'w2-0', 'w2-1', 'w2-2', 'w3-0', 'w3-1', 'w3-2'];
        expect(await ids({})).toEqual(inOrder);
        for (const n of [1, 4, 5, 6, 9, 13, 14, 50]) expect(await ids({ limit: n }), `limit ${n}`).toEqual(inOrder.slice(0, n));
        const withPeer = inOrder.filter((id) => id !== 'w-other');
        expect(await ids({ peer })).toEqual(withPeer);
        expect(await ids({ peer, limit: 5 })).toEqual(withPeer.slice(0, 5));
        // A window inside one day.
        expect(await ids({ from_us: base + 2 * DAY_US, to_us: base + 2 * DAY_US + 115 * SEC })).toEqual(['w2-0', 'w2-1']);
      });

      it('expires flows that ended before the cut, whole days and the straddling day', async () => {
        const base = T0 + 40 * DAY_US;
        const flows = [
          makeFlow(0, { flow_id: 'd0-a', src_ip: '10.2.2.2', start_us: base + 10 * SEC, end_us: base + 20 * SEC }),
          makeFlow(0, { flow_id: 'd0-b', src_ip: '10.2.2.2', start_us: base + 30 * SEC, end_us: base + 40 * SEC }),
          makeFlow(0, { flow_id: 'd1-a', src_ip: '10.2.2.2', start_us: base + DAY_US + 10 * SEC, end_us: base + DAY_US + 20 * SEC }),
          makeFlow(0, {
            flow_id: 'd1-long',
            src_ip: '10.2.2.2',
            start_us: base + DAY_US + 30 * SEC,
            end_us: base + 2 * DAY_US + 20 * SEC,
          }),
          makeFlow(0, { flow_id: 'd2-a', src_ip: '10.2.2.2', start_us: base + 2 * DAY_US + 10 * SEC, end_us: base + 2 * DAY_US + 30 * SEC }),
        ];
        expect(await store.putFlows(flows)).toBe(5);
        // Everything stored before `base` by the earlier tests ended before it too.
        const earlier = await store.queryFlows({ ip: '10.0.0.5', from_us: 0, to_us: base });
        const earlier2 = await store.queryFlows({ ip: '10.1.1.1', from_us: 0, to_us: base });
        const earlier3 = await store.queryFlows({ ip: '10.9.9.9', from_us: 0, to_us: base });
        const before = earlier.length + earlier2.length + earlier3.length;
        expect(before).toBe(14);
        expect(await store.expireFlows(base)).toBe(before);
        expect(await store.queryFlows({ ip: '10.0.0.5', from_us: 0, to_us: base })).toEqual([]);
        // Whole days only: day 0 goes; day 1 straddles the cut (its long flow ends after it) and stays whole.
        expect(await store.expireFlows(base + 2 * DAY_US + 15 * SEC, { wholeDaysOnly: true })).toBe(2);
        expect(
          (await store.queryFlows({ ip: '10.2.2.2', from_us: 0, to_us: base + 10 * DAY_US })).map((f) => f.flow_id),
        ).toEqual(['d1-a', 'd1-long', 'd2-a']);
        // Row by row: day 1 loses the flow that ended before the cut and keeps its long flow; day 2 is untouched.
        expect(await store.expireFlows(base + 2 * DAY_US + 15 * SEC)).toBe(1);
        const left = await store.queryFlows({ ip: '10.2.2.2', from_us: 0, to_us: base + 10 * DAY_US });
        expect(left.map((f) => f.flow_id)).toEqual(['d1-long', 'd2-a']);
        expect(await store.expireFlows(base + 2 * DAY_US + 15 * SEC)).toBe(0);
        // A dropped day takes new flows again.
        expect(await store.putFlows([flows[0] as FlowRecord])).toBe(1);
        expect((await store.queryFlows({ ip: '10.2.2.2', from_us: base, to_us: base + DAY_US + 60 * SEC })).map((f) => f.flow_id)).toEqual([
          'd0-a',
          'd1-long',
        ]);
      });

      it('expires by retention days relative to an injected now', async () => {
        const now = T0 + 60 * DAY_US + 5 * SEC;
        await store.putFlows([
          makeFlow(0, { flow_id: 'r-old', src_ip: '10.3.3.3', start_us: now - 5 * DAY_US, end_us: now - 5 * DAY_US + SEC }),
          makeFlow(0, { flow_id: 'r-new', src_ip: '10.3.3.3', start_us: now - 1 * DAY_US, end_us: now - 1 * DAY_US + SEC }),
          // The day before the cut (T0 + 57 days) holds a flow crossing midnight into kept time:
          // that day stays whole, including its flow that ended before the cut.
          makeFlow(0, { flow_id: 'r-edge-short', src_ip: '10.3.3.3', start_us: T0 + 56 * DAY_US + 10 * SEC, end_us: T0 + 56 * DAY_US + 20 * SEC }),
          makeFlow(0, { flow_id: 'r-edge-long', src_ip: '10.3.3.3', start_us: T0 + 57 * DAY_US - 10 * SEC, end_us: T0 + 57 * DAY_US + 10 * SEC }),
        ]);
        const removed = await expireByRetention(store, now, 3);
        expect(removed).toBeGreaterThanOrEqual(1);
        const left = await store.queryFlows({ ip: '10.3.3.3', from_us: 0, to_us: now });
        expect(left.map((f) => f.flow_id)).toEqual(['r-edge-short', 'r-edge-long', 'r-new']);
        await expect(expireByRetention(store, now, 0)).rejects.toThrow(/retentionDays/);
      });
    });

    describe('users, sessions, tokens', () => {
      it('stores, updates and counts users', async () => {
        expect(await store.countUsers()).toBe(0);
        expect(await store.getUser('ana')).toBeUndefined();
        await store.putUser({ username: 'ana', password_hash: 'h1', role: 'analyst', created_us: T0 });
        await store.putUser({ username: 'bo', password_hash: 'h2', role: 'admin', created_us: T0 + 1 });
        await store.putUser({ username: 'ana', password_hash: 'h3', role: 'read_only', created_us: T0 + 5 });
        expect(await store.countUsers()).toBe(2);
        expect(await store.getUser('ana')).toEqual({ username: 'ana', password_hash: 'h3', role: 'read_only', created_us: T0 });
      });

      it('stores, reads and deletes sessions', async () => {
        const s = { id: 's1', username: 'ana', csrf_token: 'c1', created_us: T0, expires_us: T0 + 3600 * SEC };
        await store.putSession(s);
        expect(await store.getSession('s1')).toEqual(s);
        await store.putSession({ ...s, expires_us: T0 + 7200 * SEC });
        expect((await store.getSession('s1'))?.expires_us).toBe(T0 + 7200 * SEC);
        await store.deleteSession('s1');
        expect(await store.getSession('s1')).toBeUndefined();
        await store.deleteSession('s1');
      });

      it('stores and reads api tokens by hash', async () => {
        const t = { token_hash: 'sha256:ab', name: 'siem', role: 'read_only' as const, created_us: T0 };
        await store.putApiToken(t);
        expect(await store.getApiToken('sha256:ab')).toEqual(t);
        expect(await store.getApiToken('sha256:cd')).toBeUndefined();
      });
    });

    describe('audit and meta', () => {
      it('lists audit rows newest first, per alert, with a limit', async () => {
        for (let i = 0; i < 5; i++) {
          await store.audit({
            ts_us: T0 + i,
            username: 'ana',
            action: i % 2 === 0 ? 'view' : 'verdict',
            alert_id: i < 4 ? 'a00001' : null,
            detail: { i, note: 'x' },
          });
        }
        const all = await store.listAudit();
        expect(all.map((r) => r.ts_us)).toEqual([T0 + 4, T0 + 3, T0 + 2, T0 + 1, T0]);
        expect(all[0]).toEqual({ ts_us: T0 + 4, username: 'ana', action: 'view', alert_id: null, detail: { i: 4, note: 'x' } });
        expect((await store.listAudit('a00001')).length).toBe(4);
        expect((await store.listAudit('a00001', 2)).map((r) => r.detail.i)).toEqual([3, 2]);
        expect(await store.listAudit('zzz')).toEqual([]);
      });

      it('keeps meta values, last write wins', async () => {
        expect(await store.getMeta('pools')).toBeUndefined();
        await store.setMeta('pools', '["a"]');
        await store.setMeta('pools', '["a","b"]');
        expect(await store.getMeta('pools')).toBe('["a","b"]');
      });
    });
  });
}
