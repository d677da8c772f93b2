// Runs the store contract against the PostgreSQL adapter on the test database, in a schema of its
// own per run (dropped afterwards) so parallel runs never see each other's rows.

import { randomBytes } from 'node:crypto';
import { openStore, PostgresStore } from '../../src/store/index.js';
import { storeContract } from './contract.js';

export const TEST_PG_URL = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

storeContract('postgres', () => {
  const schema = `mw_test_${randomBytes(6).toString('hex')}`;
  return {
    open: () => openStore(TEST_PG_URL, { schema }),
    cleanup: async () => {
      const s = new PostgresStore(TEST_PG_URL, { schema });
      try {
        await s.dropSchema();
      } finally {
        await s.close();
      }
    },
  };
});
