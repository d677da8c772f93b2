// Runs the store contract against the SQLite adapter, on a fresh file in a temporary folder
// (a nested path, so opening also proves parent folders are created), and the SQLite-only
// statistics refresh.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storeContract } from './contract.js';
import { makeAlert, T0 } from './records.js';

storeContract('sqlite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-store-'));
  const file = path.join(dir, 'nested', 'deeper', 'minerwatch.db');
  return {
    open: () => openStore(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SQLite optimize', () => {
  it('keeps planner statistics off the FTS5 shadow tables, and removes old ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-optimize-'));
    const file = path.join(dir, 'minerwatch.db');
    try {
      // A new store analysed before its first alerts, as a bulk load does.
      const store = (await openStore(file)) as SqliteStore;
      await store.optimize();
      await store.putAlerts(Array.from({ length: 50 }, (_, i) => makeAlert(i)), T0);
      // Statistics on a shadow table as an ANALYZE of every table leaves them.
      const db = new Database(file);
      db.exec('ANALYZE alerts_fts_data');
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'alerts_fts_data'").pluck().get()).toBe(1);
      db.close();
      await store.optimize();
      const check = new Database(file, { readonly: true });
      const tables = check.prepare('SELECT DISTINCT tbl FROM sqlite_stat1').pluck().all() as string[];
      check.close();
      await store.close();
      expect(tables).toContain('alerts');
      expect(tables.filter((t) => t.startsWith('alerts_fts_'))).toEqual([]);
      const reopened = await openStore(file);
      expect((await reopened.listAlerts({ limit: 100, text: 'xmrig' })).length).toBe(25);
      await reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
