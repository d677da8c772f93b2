// Child process for the multi-node test. It stands in for a sensor (the sensor engine is not wired
// to the bus here): it publishes a fixed, numbered range of alerts to NATS JetStream, with
// content-derived ids so two publishers reporting the same evidence produce the same ids.
// Usage: node fixture-alert-publisher.js SERVERS PREFIX FIRST COUNT
// Prints "published NEW duplicate DUP" when done.

import { NatsBus } from '../../src/bus/nats.js';
import { TEST_STREAM_BYTES } from './stream-limits.js';
import { BusPublisher } from '../../src/bus/roles.js';
import { evidenceAlert } from '../store/records.js';

const [servers, prefix, first, count] = process.argv.slice(2);
if (servers === undefined || prefix === undefined || first === undefined || count === undefined) {
  process.stderr.write('usage: fixture-alert-publisher SERVERS PREFIX FIRST COUNT\n');
  process.exit(2);
}

const bus = await NatsBus.connect({ servers: servers.split(','), prefix, maxBytes: TEST_STREAM_BYTES });
const pub = new BusPublisher(bus);
let fresh = 0;
let dup = 0;
for (let i = Number(first); i < Number(first) + Number(count); i++) {
  const r = await pub.publishAlert(evidenceAlert(i));
  if (r.duplicate) dup++;
  else fresh++;
  if (i % 25 === 0) await new Promise((r) => setTimeout(r, 20));
}
await bus.close();
process.stdout.write(`published ${fresh} duplicate ${dup}\n`);
