// The bus contract on NATS JetStream at 127.0.0.1:4222. Every run uses its own stream prefix and
// deletes its streams afterwards, so parallel runs never share messages.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/index.js';
import { NatsBus } from '../../src/bus/nats.js';
import { TEST_STREAM_BYTES } from './stream-limits.js';
import { busContract } from './contract.js';

export const TEST_NATS = process.env.MINERWATCH_TEST_NATS ?? '127.0.0.1:4222';

busContract('nats', () => {
  const run = `mwt${randomBytes(4).toString('hex')}`;
  const tags = new Set<string>();
  return {
    open: async (tag) => {
      tags.add(tag);
      return NatsBus.connect({ servers: TEST_NATS, prefix: `${run}_${tag}`, maxBytes: TEST_STREAM_BYTES });
    },
    cleanup: async () => {
      for (const tag of tags) {
        const b = await NatsBus.connect({ servers: TEST_NATS, prefix: `${run}_${tag}`, maxBytes: TEST_STREAM_BYTES });
        await b.deleteStreams();
        await b.close();
      }
    },
  };
});

describe('NatsBus names', () => {
  it('maps logical subjects to prefixed NATS subjects and streams, and reports the backlog', async () => {
    const prefix = `mwt${randomBytes(4).toString('hex')}`;
    const bus = await NatsBus.connect({ servers: TEST_NATS, prefix, maxBytes: TEST_STREAM_BYTES });
    try {
      expect(bus.natsSubject('alerts')).toBe(`${prefix}.alerts`);
      expect(bus.streamName('flows')).toBe(`${prefix}_FLOWS`.toUpperCase());
      await bus.publish('alerts', { id: 1 }, 'one');
      await bus.publish('alerts', { id: 2 }, 'two');
      const sub = await bus.subscribe('alerts', 'lazy', async () => undefined, { ackWaitMs: 60_000 });
      await new Promise((r) => setTimeout(r, 300));
      expect(await bus.backlog('alerts', 'lazy')).toBe(2);
      await sub.stop();
    } finally {
      await bus.deleteStreams();
      await bus.close();
    }
  });
});

describe('openBus', () => {
  it('opens the in-process bus by default, JetStream for nats:// lists, and refuses anything else', async () => {
    const mem = await openBus();
    expect(mem.kind).toBe('memory');
    await mem.close();
    const prefix = `mwt${randomBytes(4).toString('hex')}`;
    const nats = await openBus(`nats://${TEST_NATS}, nats://${TEST_NATS}`, { prefix, maxBytes: TEST_STREAM_BYTES });
    try {
      expect(nats.kind).toBe('nats');
      expect((await nats.publish('alerts', { id: 1 }, 'one')).duplicate).toBe(false);
    } finally {
      await (nats as NatsBus).deleteStreams();
      await nats.close();
    }
    await expect(openBus('kafka://x')).rejects.toThrow(/unknown bus/);
  });
});
