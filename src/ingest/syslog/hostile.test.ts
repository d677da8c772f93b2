// Hostile input never throws and never loses valid frames: random bytes through the framer,
// the header parser and the PAN-OS router; random splits of valid streams give the same messages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PanosIngest } from '../panos/ingest.js';
import { splitCsv } from '../panos/csv.js';
import { parseEveAlertLine } from '../eve-alerts/parser.js';
import { parseWebhookDocument } from '../webhook/parser.js';
import { StreamFramer } from './framing.js';
import { parseSyslog } from './parser.js';

const dec = new TextDecoder();

describe('hostile input', () => {
  it('random bytes never throw and never overfill the framer', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const framer = new StreamFramer({ message: (b) => void parseSyslog(dec.decode(b), { receivedUs: 0 }), drop: () => undefined }, 128);
        for (const c of chunks) {
          framer.push(c);
          expect(framer.bufferedBytes).toBeLessThanOrEqual(framer.capacityBytes);
        }
        framer.end();
      }),
      { numRuns: 500 },
    );
  });

  it('random text never throws in any parser', () => {
    const ing = new PanosIngest({ onAlert: () => undefined, onFlow: () => undefined });
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        parseSyslog(s, { receivedUs: 0 });
        parseSyslog(`<14>1 ${s}`, { receivedUs: 0 });
        parseSyslog(`<14>Nov 27 10:15:02 ${s}`, { receivedUs: 0 });
        splitCsv(s);
        ing.handle(s);
        ing.handle(`1,2026/11/27 10:15:02,0001,TRAFFIC,end,${s}`);
        ing.handle(`1,2026/11/27 10:15:02,0001,THREAT,spyware,${s}`);
        parseEveAlertLine(s);
        parseWebhookDocument(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('any split of a valid stream gives the same messages', () => {
    const msg = fc.stringMatching(/^<[0-9]{1,3}>[ -~]{1,60}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(msg, fc.boolean()), { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (msgs, cuts) => {
        const stream = Buffer.from(msgs.map(([m, counted]) => (counted ? `${m.length} ${m}` : `${m}\n`)).join(''));
        const got: string[] = [];
        const framer = new StreamFramer({ message: (b) => got.push(dec.decode(b)), drop: () => got.push('DROP') }, 1024);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, stream.length]) {
          framer.push(stream.subarray(from, p));
          from = p;
        }
        framer.end();
        expect(got).toEqual(msgs.map(([m]) => m));
      }),
      { numRuns: 500 },
    );
  });
});
