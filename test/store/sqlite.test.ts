// Runs the store contract against the SQLite adapter, on a fresh file in a temporary folder
// (a nested path, so opening also proves parent folders are created).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import { storeContract } from './contract.js';

storeContract('sqlite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-store-'));
  const file = path.join(dir, 'nested', 'deeper', 'minerwatch.db');
  return {
    open: () => openStore(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
