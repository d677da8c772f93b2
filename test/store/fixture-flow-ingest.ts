// Child process for the crash test: ingests flow records into a SQLite store in batches and prints
// "acked N" after each batch's transaction committed (the promise resolved), so the parent knows
// exactly what was acknowledged when it kills this process with SIGKILL.
// Usage: node fixture-flow-ingest.js FILE FIRST_BATCH BATCHES BATCH_SIZE

import { openStore } from '../../src/store/index.js';
import { makeFlow } from './records.js';

const [file, first, batches, size] = process.argv.slice(2);
if (file === undefined || first === undefined || batches === undefined || size === undefined) {
  process.stderr.write('usage: fixture-flow-ingest FILE FIRST_BATCH BATCHES BATCH_SIZE\n');
  process.exit(2);
}
const store = await openStore(file);
const n = Number(size);
for (let b = Number(first); b < Number(first) + Number(batches); b++) {
  const flows = Array.from({ length: n }, (_, j) => makeFlow(b * n + j, { flow_id: `b${b}-${j}` }));
  await store.putFlows(flows);
  process.stdout.write(`acked ${(b + 1) * n}\n`);
}
await store.close();
process.stdout.write('done\n');
