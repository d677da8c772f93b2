// Free-text search (`text` in an alert query) on real stores: SQLite through its FTS5 trigram table
// (migration 4) and PostgreSQL through its pg_trgm GIN index over characters (migrations 4 and 5). Each case writes alerts
// through the store, changes or deletes rows behind its back with plain SQL (the index must follow
// through the triggers, or the GIN index), and searches again. Hostile terms must come back as an
// empty or literal match, never as an error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT_INDEX_MAX_HITS, alertWhere } from '../../src/store/common.js';
import { openStore, PostgresStore } from '../../src/store/index.js';
import type { Alert } from '../../src/alerts/types.js';
import type { Store } from '../../src/store/types.js';
import { makeAlert, T0 } from './records.js';

/** The test database, as the other PostgreSQL store tests use it. */
const TEST_PG_URL = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A store under test and a way to run SQL on its database behind its back. */
interface Harness {
  store: Store;
  exec: (sql: string, params?: (string | number)[]) => Promise<Record<string, unknown>[]>;
  /** Closes the store and reopens it (migrations run again). */
  reopen: () => Promise<void>;
  close: () => Promise<void>;
}

async function sqliteHarness(): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-text-'));
  const file = path.join(dir, 'minerwatch.db');
  const h: Harness = {
    store: await openStore(file),
    exec: async (sql, params = []) => {
      const db = new Database(file);
      try {
        const s = db.prepare(sql);
        return s.reader ? (s.all(...params) as Record<string, unknown>[]) : (s.run(...params), []);
      } finally {
        db.close();
      }
    },
    reopen: async () => {
      await h.store.close();
      h.store = await openStore(file);
    },
    close: async () => {
      await h.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

async function postgresHarness(): Promise<Harness> {
  const schema = `mw_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  const h: Harness = {
    store: await openStore(TEST_PG_URL, { schema }),
    exec: async (sql, params = []) => (await client.query(sql, params)).rows as Record<string, unknown>[],
    reopen: async () => {
      await h.store.close();
      h.store = await openStore(TEST_PG_URL, { schema });
    },
    close: async () => {
      await (h.store as PostgresStore).dropSchema();
      await h.store.close();
      await client.end();
    },
  };
  return h;
}

const HOSTILE = ['"', 'a"b', '""""', 'x* OR y', 'NEAR(stratum login)', '-login', 'signature:XMRig', '^MINER', 'XMRig AND NOT cgminer', "o'brien", '(((', '\\', '%_%', '*', 'OR', 'NEAR'];

for (const [kind, make] of [
  ['sqlite', sqliteHarness],
  ['postgres', postgresHarness],
] as const) {
  describe(`free-text search on ${kind}`, () => {
    let h: Harness;
    const stored: Alert[] = [
      ...Array.from({ length: 20 }, (_, i) => makeAlert(i)),
      makeAlert(100, { id: 'quoted', explanation: 'Client sent x" OR "y and NEAR(stratum login) as its agent' }),
      makeAlert(101, { id: 'accented', explanation: 'Pool ÉCLAIR-Mining answered the login' }),
    ];
    /** Ids of the stored alerts whose signature or explanation (and addresses, if asked) contain the term, ignoring ASCII case. */
    const holding = (term: string, cols: (a: Alert) => string[] = (a) => [a.alert.signature, a.explanation]): string[] =>
      stored.filter((a) => cols(a).some((c) => c.toLowerCase().includes(term.toLowerCase()))).map((a) => a.id).sort();
    const ids = async (text: string, limit = 100): Promise<string[]> => (await h.store.listAlerts({ limit, text })).map((a) => a.id).sort();

    beforeAll(async () => {
      h = await make();
      await h.store.putAlerts(stored, T0);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('finds substrings of signature and explanation whatever their case', async () => {
      for (const term of ['xmrig', 'STRATUM LOG', 'gminer', 'WALLET 4a13', 'mining pool with', 'ÉCLAIR-Mining', 'wallet 4A1']) {
        const want = holding(term);
        expect(want.length, term).toBeGreaterThan(0);
        expect(await ids(term), term).toEqual(want);
        expect(await h.store.countAlerts({ text: term }), term).toBe(want.length);
      }
      expect(await ids('WALLET 4a13')).toEqual(['a00013']);
      expect(await ids('no such words anywhere')).toEqual([]);
    });

    it('combines text with the other filters and the keyset order', async () => {
      const page = await h.store.listAlerts({ limit: 3, text: 'xmrig', order: 'oldest' });
      expect(page.map((a) => a.id)).toEqual(['a00000', 'a00002', 'a00004']);
      const last = page.at(-1)!;
      const next = await h.store.listAlerts({ limit: 2, text: 'xmrig', order: 'oldest', after: { ts_us: last.ts_us, id: last.id } });
      expect(next.map((a) => a.id)).toEqual(['a00006', 'a00008']);
      expect((await h.store.listAlerts({ limit: 100, text: 'xmrig', severity: 1 })).map((a) => a.id).sort()).toEqual(['a00000', 'a00006', 'a00012', 'a00018']);
    });

    it('matches an address as a whole, and short terms as a substring of any column', async () => {
      // 203.0.113.2 is only ever a destination in these alerts: it is in no explanation.
      expect(holding('203.0.113.2')).toEqual([]);
      const toPool2 = stored.filter((a) => a.dest_ip === '203.0.113.2').map((a) => a.id).sort();
      expect(toPool2.length).toBeGreaterThan(0);
      expect(await ids('203.0.113.2')).toEqual(toPool2);
      // Two characters: below the trigram index, the LIKE scan over all four columns.
      const all4 = (a: Alert): string[] => [a.alert.signature, a.explanation, a.src_ip, a.dest_ip];
      for (const term of ['4a', '.2']) expect(await ids(term), term).toEqual(holding(term, all4));
    });

    it('takes hostile terms literally and never fails on them', async () => {
      for (const t of HOSTILE) await expect(h.store.listAlerts({ limit: 10, text: t }), t).resolves.toBeDefined();
      for (const t of HOSTILE) await expect(h.store.countAlerts({ text: t }), t).resolves.toBeTypeOf('number');
      expect(await ids('x" OR "y')).toEqual(['quoted']);
      expect(await ids('NEAR(stratum login)')).toEqual(['quoted']);
      expect(await ids('x* OR y')).toEqual([]);
      expect(await ids('%_%')).toEqual([]);
      expect(await ids('-login')).toEqual([]);
    });

    it('finds an alert by its new text after an update, and not by its old one', async () => {
      await h.exec("UPDATE alerts SET signature = 'MINERWATCH renamed rule', explanation = 'Rewritten: kryptex pool' WHERE id = 'a00003'");
      expect(await ids('RENAMED RULE')).toEqual(['a00003']);
      expect(await ids('kryptex')).toEqual(['a00003']);
      expect(await ids('wallet 4A3')).toEqual([]);
      // A workflow update leaves the text, and the search, alone.
      await h.store.updateAlert('a00003', { status: 'closed', assignee: 'analyst1' });
      expect(await ids('kryptex')).toEqual(['a00003']);
    });

    it('does not find an alert after it is deleted', async () => {
      expect(await ids('wallet 4A19')).toEqual(['a00019']);
      await h.exec("DELETE FROM alerts WHERE id = 'a00019'");
      expect(await ids('wallet 4A19')).toEqual([]);
      expect(await h.store.countAlerts({ text: 'wallet 4A19' })).toBe(0);
    });

    it('indexes the alerts stored before the migration ran', async () => {
      // Undo the text index migrations by hand, as a store from before them would be, and open the
      // store again.
      if (kind === 'sqlite') {
        for (const t of ['insert', 'update', 'delete']) await h.exec(`DROP TRIGGER alerts_fts_${t}`);
        await h.exec('DROP TABLE alerts_fts');
        await h.exec('DELETE FROM schema_migrations WHERE version = 4');
      } else {
        await h.exec('DROP INDEX alerts_text_trgm');
        await h.exec('DROP FUNCTION alert_text_lacks');
        await h.exec('DELETE FROM schema_migrations WHERE version IN (4, 5)');
      }
      await h.store.putAlerts([makeAlert(200, { id: 'before-4', explanation: 'Stored before the index: nanopool' })], T0);
      await h.reopen();
      expect(await ids('NANOPOOL')).toEqual(['before-4']);
      expect(await ids('wallet 4A12')).toEqual(['a00012']);
      if (kind === 'postgres') {
        // The planner can answer the store's own condition from the trigram index (at this size
        // it would rather read the table, so sequential scans are ruled out to see that it can).
        for (const term of ['nanopool', '203.0.113.2:3333']) {
          const w = alertWhere({ text: term }, 'postgres');
          await h.exec('BEGIN');
          await h.exec('SET LOCAL enable_seqscan = off');
          const plan = (await h.exec(`EXPLAIN SELECT id FROM alerts WHERE ${w.sql}`, w.params as string[])).map((r) => String(r['QUERY PLAN'])).join('\n');
          await h.exec('COMMIT');
          expect(plan, term).toContain('alerts_text_trgm');
        }
        const indexes = (await h.exec("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'alerts' AND indexname LIKE '%trgm'")).map((r) => r.indexname);
        expect(indexes).toEqual(['alerts_text_trgm']);
      }
    });

    it('matches dots and colons only as themselves, though the index sees them as letters', async () => {
      const lookalikes = [
        makeAlert(300, { id: 'dotted', explanation: 'Host 10.9.8.7 logged in to pool.qz-mining.net:3333' }),
        makeAlert(301, { id: 'lettered', explanation: 'Host 10q9q8q7 logged in to poolqqz-miningqnetz3333' }),
      ];
      await h.store.putAlerts(lookalikes, T0);
      expect(await ids('10.9.8.7')).toEqual(['dotted']);
      expect(await ids('10q9q8q7')).toEqual(['lettered']);
      expect(await ids('pool.qz-mining.net:3333')).toEqual(['dotted']);
      expect(await ids('POOLQQZ-MININGQNETZ')).toEqual(['lettered']);
      expect(await ids('net:33')).toEqual(['dotted']);
      expect(await ids('netz33')).toEqual(['lettered']);
      expect(await h.store.countAlerts({ text: '8.7 logged' })).toBe(1);
      // A term across the signature and the explanation matches neither.
      expect(await ids(`${lookalikes[0]!.alert.signature.slice(-4)} Host 10.9`)).toEqual([]);
    });

    if (kind === 'sqlite') {
      it('gives the same page for a common term whichever way the store looks it up', async () => {
        const many = Array.from({ length: TEXT_INDEX_MAX_HITS + 50 }, (_, i) =>
          makeAlert(1000 + i, { id: `many${String(i).padStart(5, '0')}`, ts_us: T0 + (1000 + i) * 1_000_000, explanation: `Beacon ${i} to moneroocean` }),
        );
        await h.store.putAlerts(many, T0);
        const expected = many.slice(-100).map((a) => a.id).reverse();
        expect((await h.store.listAlerts({ limit: 100, text: 'MoneroOcean' })).map((a) => a.id)).toEqual(expected);
        expect(await h.store.countAlerts({ text: 'moneroocean' })).toBe(many.length);
        // One below the bound: answered from the index, same order.
        const few = many.slice(0, 30).map((a) => a.id);
        await h.exec(`UPDATE alerts SET explanation = 'Beacon to herominers' WHERE id IN (${few.map(() => '?').join(', ')})`, few);
        expect((await h.store.listAlerts({ limit: 10, text: 'HEROMINERS', order: 'oldest' })).map((a) => a.id)).toEqual(few.slice(0, 10));
      });
    }
  });
}
