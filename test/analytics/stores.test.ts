// The analytics read flows only through the Store interface: the same imported flows give the
// same analysis on the SQLite and the PostgreSQL adapter (test database, a schema of its own).

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseFlows } from '../../src/analytics/index.js';
import { importFlowFiles } from '../../src/ingest/flow-imports/index.js';
import { openStore, PostgresStore } from '../../src/store/index.js';

const PG_URL = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const fixtures = new URL('../netflow/fixtures/', import.meta.url).pathname;

describe('analytics over both store adapters', () => {
  it('SQLite and PostgreSQL give the same analysis', async () => {
    const sqlite = await openStore(join(mkdtempSync(join(tmpdir(), 'mw-an-')), 'f.db'), { synchronous: 'normal' });
    const schema = `mw_test_${randomBytes(6).toString('hex')}`;
    const pg = await openStore(PG_URL, { schema });
    try {
      const files = [`${fixtures}zeek-conn.log`, `${fixtures}zeek-conn.json`];
      for (const s of [sqlite, pg]) await importFlowFiles(files, 'zeek-conn', s);
      const q = { ip: '10.0.2.15', fromUs: 1_536_684_000_000_000, toUs: 1_536_684_300_000_000 };
      const a = await analyseFlows(sqlite, q);
      const b = await analyseFlows(pg, q);
      expect(a.pairs.length).toBeGreaterThan(2);
      expect(b).toEqual(a);
      const peer = await analyseFlows(pg, { ...q, peer: '192.110.160.114' });
      expect(peer.pairs.map((p) => p.server)).toEqual(['192.110.160.114']);
    } finally {
      await sqlite.close();
      await pg.close();
      const drop = new PostgresStore(PG_URL, { schema });
      await drop.dropSchema();
      await drop.close();
    }
  });
});
