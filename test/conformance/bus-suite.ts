// The Bus contract as one vitest suite every adapter runs (in-process now, Redis Streams later). Stream
// names are unique per test, so adapters backed by a shared server can run tests side by side.

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BusClosedError,
  BusInvalidArgumentError,
  FROM_END,
  FROM_START,
  compareMessageIds,
  type Bus,
  type BusMessage,
  type MessageHandler,
  type RetentionOptions,
} from '../../src/bus/bus.js';

export interface BusHarness {
  readonly bus: Bus;
  /** Closes the bus if still open and removes whatever the test left behind. */
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Records deliveries; until(n) resolves once n messages have arrived. */
class Inbox {
  readonly messages: BusMessage[] = [];
  readonly #waiters: { n: number; resolve: () => void }[] = [];

  push(m: BusMessage): void {
    this.messages.push(m);
    for (const w of this.#waiters.filter((w) => this.messages.length >= w.n)) w.resolve();
  }

  async until(n: number): Promise<BusMessage[]> {
    if (this.messages.length < n) await new Promise<void>((resolve) => this.#waiters.push({ n, resolve }));
    return this.messages;
  }

  get data(): unknown[] {
    return this.messages.map((m) => m.data);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The data of the oldest message a stream retains, as a fresh tail from FROM_START sees it. */
async function oldest(bus: Bus, stream: string): Promise<unknown> {
  const inbox = new Inbox();
  const tail = await bus.subscribe(stream, { fromId: FROM_START }, (m) => inbox.push(m));
  const [first] = await inbox.until(1);
  await tail.close();
  return first!.data;
}
const isIncreasing = (ids: string[]) =>
  ids.every((id, i) => i === 0 || compareMessageIds(ids[i - 1]!, id) < 0);

/** Opens a fresh bus; retention options apply to every stream of it. */
export type OpenBus = (retention?: RetentionOptions) => Promise<BusHarness>;

export function busConformance(name: string, makeBus: OpenBus): void {
  describe(`Bus conformance: ${name}`, () => {
    let h: BusHarness;
    let bus: Bus;
    let stream: string;

    beforeEach(async () => {
      h = await makeBus();
      bus = h.bus;
      stream = `ns:test-${randomUUID()}:events`;
    });
    afterEach(() => h.cleanup());

    /** A group consumer that acks every message, then records it (so a test that saw it sees it acked). */
    const acking = (inbox: Inbox, group = 'g'): MessageHandler => {
      return async (m) => {
        await bus.ack(m.stream, group, [m.id]);
        inbox.push(m);
      };
    };

    describe('ordering', () => {
      it('gives ids that grow per stream, and publishMany keeps batch order across streams', async () => {
        const other = `${stream}-2`;
        const first = [await bus.publish(stream, 'a'), await bus.publish(stream, 'b')];
        const batch = await bus.publishMany([
          { stream, data: 'c' },
          { stream: other, data: 'x' },
          { stream, data: 'd' },
        ]);
        expect(batch).toHaveLength(3);
        expect(isIncreasing([...first, batch[0]!, batch[2]!])).toBe(true);
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1' }, acking(inbox));
        expect((await inbox.until(4)).map((m) => m.id)).toEqual([...first, batch[0], batch[2]]);
        expect(inbox.data).toEqual(['a', 'b', 'c', 'd']);
      });

      it('delivers to a group consumer every message once, in publish order, before and after it subscribed', async () => {
        for (const i of range(30)) await bus.publish(stream, { i });
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1' }, acking(inbox));
        await bus.publishMany(range(30).map((i) => ({ stream, data: { i: 30 + i } })));
        await inbox.until(60);
        expect(inbox.data).toEqual(range(60).map((i) => ({ i })));
        expect(inbox.messages.every((m) => m.deliveryCount === 1 && m.stream === stream)).toBe(true);
        expect(await bus.pending(stream, 'g')).toBe(0);
      });

      it('runs a handler for one message at a time, waiting for its promise', async () => {
        const inbox = new Inbox();
        let running = 0;
        let overlapped = false;
        await bus.subscribe(stream, { group: 'g', consumer: 'c1' }, async (m) => {
          overlapped ||= ++running > 1;
          await sleep(1);
          running--;
          await acking(inbox)(m);
        });
        await bus.publishMany(range(10).map((i) => ({ stream, data: i })));
        await inbox.until(10);
        expect(overlapped).toBe(false);
        expect(inbox.data).toEqual(range(10));
      });

      it('hands each delivery its own copy of the data', async () => {
        const payload = { list: [1] };
        const a = new Inbox();
        const b = new Inbox();
        await bus.subscribe(stream, {}, (m) => {
          (m.data as { list: number[] }).list.push(2);
          a.push(m);
        });
        await bus.subscribe(stream, {}, (m) => b.push(m));
        await bus.publish(stream, payload);
        payload.list.push(99);
        expect((await a.until(1))[0]!.data).toEqual({ list: [1, 2] });
        expect((await b.until(1))[0]!.data).toEqual({ list: [1] });
      });
    });

    describe('consumer groups', () => {
      it('shares a group between competing consumers: each message reaches exactly one', async () => {
        const all = new Inbox();
        const mine: Record<string, string[]> = { c1: [], c2: [] };
        for (const consumer of ['c1', 'c2']) {
          await bus.subscribe(stream, { group: 'g', consumer }, async (m) => {
            mine[consumer]!.push(m.id);
            await acking(all)(m);
            await sleep(0);
          });
        }
        const ids = await bus.publishMany(range(100).map((i) => ({ stream, data: i })));
        await all.until(100);
        expect([...mine.c1!, ...mine.c2!].sort(compareMessageIds)).toEqual(ids);
        // Each consumer still sees its share in stream order.
        expect(isIncreasing(mine.c1!) && isIncreasing(mine.c2!)).toBe(true);
      });

      it('gives every group the whole stream', async () => {
        const g1 = new Inbox();
        const g2 = new Inbox();
        await bus.subscribe(stream, { group: 'g1', consumer: 'c' }, acking(g1, 'g1'));
        await bus.subscribe(stream, { group: 'g2', consumer: 'c' }, acking(g2, 'g2'));
        await bus.publishMany(range(20).map((i) => ({ stream, data: i })));
        expect((await g1.until(20)).map((m) => m.data)).toEqual(range(20));
        expect((await g2.until(20)).map((m) => m.data)).toEqual(range(20));
      });

      it('starts a new group FROM_END when asked, and ignores fromId for a group that exists', async () => {
        await bus.publish(stream, 'old');
        const late = new Inbox();
        await bus.subscribe(
          stream,
          { group: 'late', consumer: 'c1', fromId: FROM_END },
          acking(late, 'late'),
        );
        const joiner = new Inbox();
        await bus.subscribe(
          stream,
          { group: 'late', consumer: 'c2', fromId: FROM_START },
          acking(joiner, 'late'),
        );
        await bus.publish(stream, 'new');
        await Promise.race([late.until(1), joiner.until(1)]);
        expect([...late.data, ...joiner.data]).toEqual(['new']);
      });
    });

    describe('consumer group start', () => {
      it('starts a new group just after a given id, and one beyond the newest message at the end', async () => {
        const ids = await bus.publishMany(range(5).map((i) => ({ stream, data: i })));
        const mid = new Inbox();
        await bus.subscribe(stream, { group: 'mid', consumer: 'c', fromId: ids[2]! }, acking(mid, 'mid'));
        const ahead = new Inbox();
        const [ms] = ids[4]!.split('-');
        await bus.subscribe(
          stream,
          { group: 'ahead', consumer: 'c', fromId: `${BigInt(ms!) + 1_000_000n}-0` },
          acking(ahead, 'ahead'),
        );
        await bus.publish(stream, 5);
        expect((await mid.until(3)).map((m) => m.data)).toEqual([3, 4, 5]);
        expect((await ahead.until(1)).map((m) => m.data)).toEqual([5]);
      });

      it('keeps publishMany order within a large batch, across a group read in many reads', async () => {
        const n = 1_500;
        const ids = await bus.publishMany(range(n).map((i) => ({ stream, data: i })));
        expect(isIncreasing(ids)).toBe(true);
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1' }, acking(inbox));
        expect((await inbox.until(n)).map((m) => m.id)).toEqual(ids);
        expect(await bus.pending(stream, 'g')).toBe(0);
      });
    });

    describe('at-least-once delivery', () => {
      it('raises deliveryCount with every redelivery until the message is acked', async () => {
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1', visibilityTimeoutMs: 20 }, async (m) => {
          if (m.deliveryCount === 3) await bus.ack(stream, 'g', [m.id]);
          inbox.push(m);
        });
        const id = await bus.publish(stream, 'job');
        const seen = await inbox.until(3);
        expect(seen.map((m) => [m.id, m.deliveryCount])).toEqual([
          [id, 1],
          [id, 2],
          [id, 3],
        ]);
        expect(await bus.pending(stream, 'g')).toBe(0);
      });

      it('hands the messages a closed consumer never handled to the next consumer at once, as first deliveries', async () => {
        const started = deferred();
        const release = deferred();
        const first = await bus.subscribe(stream, { group: 'g', consumer: 'leaves' }, async () => {
          started.resolve();
          await release.promise;
        });
        await bus.publishMany(range(5).map((i) => ({ stream, data: i })));
        await started.promise;
        const closed = first.close();
        release.resolve();
        await closed;
        // A long visibility timeout: only messages the first consumer never handled can come this soon.
        const inbox = new Inbox();
        await bus.subscribe(
          stream,
          { group: 'g', consumer: 'stays', visibilityTimeoutMs: 60_000 },
          acking(inbox),
        );
        const got = await inbox.until(4);
        expect(got.map((m) => [m.data, m.deliveryCount])).toEqual([
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 1],
        ]);
        // Message 0 was handled and not acked: it stays pending with the consumer that left.
        expect(await bus.pending(stream, 'g')).toBe(1);
      });

      it('redelivers an unacked message after the visibility timeout, with a higher deliveryCount', async () => {
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1', visibilityTimeoutMs: 30 }, async (m) => {
          if (m.deliveryCount > 1) await bus.ack(stream, 'g', [m.id]);
          inbox.push(m);
        });
        const id = await bus.publish(stream, 'job');
        const [first, second] = await inbox.until(2);
        expect([first!.id, second!.id]).toEqual([id, id]);
        expect([first!.deliveryCount, second!.deliveryCount]).toEqual([1, 2]);
        expect(await bus.pending(stream, 'g')).toBe(0);
      });

      it('redelivers a message whose handler threw, and reports the error', async () => {
        const inbox = new Inbox();
        const errors: unknown[] = [];
        const handler: MessageHandler = async (m) => {
          inbox.push(m);
          if (m.deliveryCount === 1) throw new Error('worker crashed');
          await bus.ack(stream, 'g', [m.id]);
        };
        const onError = (e: unknown) => errors.push(e);
        await bus.subscribe(
          stream,
          { group: 'g', consumer: 'c1', visibilityTimeoutMs: 30, onError },
          handler,
        );
        await bus.publish(stream, 'job');
        await inbox.until(2);
        expect(inbox.messages.map((m) => m.deliveryCount)).toEqual([1, 2]);
        expect(errors).toEqual([new Error('worker crashed')]);
      });

      it("lets another consumer claim a dead consumer's unacked message", async () => {
        const got = deferred();
        const dead = await bus.subscribe(
          stream,
          { group: 'g', consumer: 'dies', visibilityTimeoutMs: 30 },
          () => got.resolve(),
        );
        const id = await bus.publish(stream, 'job');
        await got.promise;
        await dead.close();
        const inbox = new Inbox();
        await bus.subscribe(
          stream,
          { group: 'g', consumer: 'survivor', visibilityTimeoutMs: 30 },
          acking(inbox),
        );
        const [claimed] = await inbox.until(1);
        expect(claimed).toMatchObject({ id, data: 'job' });
        expect(claimed!.deliveryCount).toBeGreaterThanOrEqual(2);
        expect(await bus.pending(stream, 'g')).toBe(0);
      });

      it('never redelivers an acked message', async () => {
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1', visibilityTimeoutMs: 20 }, acking(inbox));
        await bus.publish(stream, 'first');
        await inbox.until(1);
        expect(await bus.pending(stream, 'g')).toBe(0);
        // Several visibility timeouts pass: a wrongly pending message would come back in this time.
        await sleep(100);
        await bus.publish(stream, 'second');
        await inbox.until(2);
        expect(inbox.data).toEqual(['first', 'second']);
        expect(await bus.ack(stream, 'g', [inbox.messages[0]!.id])).toBe(0);
      });

      it('counts pending messages until they are acked', async () => {
        const inbox = new Inbox();
        await bus.subscribe(stream, { group: 'g', consumer: 'c1' }, (m) => inbox.push(m));
        await bus.publishMany(range(3).map((i) => ({ stream, data: i })));
        const msgs = await inbox.until(3);
        expect(await bus.pending(stream, 'g')).toBe(3);
        expect(await bus.ack(stream, 'g', [msgs[0]!.id, msgs[2]!.id])).toBe(2);
        expect(await bus.pending(stream, 'g')).toBe(1);
        expect(await bus.pending(stream, 'no-such-group')).toBe(0);
      });
    });

    describe('retention', () => {
      /** Runs fn on a bus of its own opened with these retention options. */
      const withBus = async (retention: RetentionOptions, fn: (bus: Bus) => Promise<void>) => {
        const own = await makeBus(retention);
        try {
          await fn(own.bus);
        } finally {
          await own.cleanup();
        }
      };
      const ten = (s: string) => range(10).map((i) => ({ stream: s, data: i }));

      it('keeps the newest maxLenPerStream messages when no group needs older ones', () =>
        withBus({ maxLenPerStream: 3 }, async (own) => {
          await own.publishMany(ten(stream));
          expect(await oldest(own, stream)).toBe(7);
        }));

      it('never trims a message a group has not acked or not yet received, and trims it once acked', () =>
        withBus({ maxLenPerStream: 3 }, async (own) => {
          const slow = new Inbox();
          await own.subscribe(stream, { group: 'slow', consumer: 'c' }, (m) => slow.push(m));
          // A group whose consumer left before anything was published: every message is still ahead of it.
          await (await own.subscribe(stream, { group: 'away', consumer: 'c' }, () => undefined)).close();
          await own.publishMany(ten(stream));
          const delivered = await slow.until(10);
          await own.publish(stream, 10);
          expect(await oldest(own, stream)).toBe(0);
          const away = new Inbox();
          await own.subscribe(stream, { group: 'away', consumer: 'back' }, async (m) => {
            await own.ack(stream, 'away', [m.id]);
            away.push(m);
          });
          expect((await away.until(11)).map((m) => m.data)).toEqual(range(11));
          expect(await oldest(own, stream)).toBe(0);
          await slow.until(11);
          expect(
            await own.ack(
              stream,
              'slow',
              slow.messages.map((m) => m.id),
            ),
          ).toBe(11);
          expect(delivered).toHaveLength(11);
          // Trimming runs when the stream changes (the memory bus also on ack).
          await own.publish(stream, 11);
          expect(await oldest(own, stream)).toBe(9);
        }));

      it('trims messages older than maxAgeMs, except one still pending', () =>
        withBus({ maxAgeMs: 300 }, async (own) => {
          const inbox = new Inbox();
          await own.subscribe(stream, { group: 'g', consumer: 'c' }, async (m) => {
            inbox.push(m);
            if (m.data !== 'pinned') await own.ack(stream, 'g', [m.id]);
          });
          await own.publishMany([
            { stream, data: 'old' },
            { stream, data: 'pinned' },
            { stream, data: 'after' },
          ]);
          const [, pinned] = await inbox.until(3);
          await sleep(400);
          await own.publish(stream, 'fresh');
          await inbox.until(4);
          expect(await oldest(own, stream)).toBe('pinned');
          await own.ack(stream, 'g', [pinned!.id]);
          await own.publish(stream, 'fresher');
          expect(await oldest(own, stream)).toBe('fresh');
        }));

      it('starts a group created after trimming at the oldest retained message', () =>
        withBus({ maxLenPerStream: 2 }, async (own) => {
          await own.publishMany(ten(stream));
          const inbox = new Inbox();
          await own.subscribe(stream, { group: 'late', consumer: 'c' }, (m) => inbox.push(m));
          expect((await inbox.until(2)).map((m) => m.data)).toEqual([8, 9]);
        }));
    });

    describe('broadcast tail', () => {
      it('delivers every new message to every tail, with no ack needed', async () => {
        await bus.publish(stream, 'before');
        const a = new Inbox();
        const b = new Inbox();
        await bus.subscribe(stream, {}, (m) => a.push(m));
        await bus.subscribe(stream, { fromId: FROM_END }, (m) => b.push(m));
        await bus.publishMany(range(5).map((i) => ({ stream, data: i })));
        expect((await a.until(5)).map((m) => m.data)).toEqual(range(5));
        expect((await b.until(5)).map((m) => m.data)).toEqual(range(5));
      });

      it('replays from FROM_START, or from just after a given id', async () => {
        const ids = await bus.publishMany(range(5).map((i) => ({ stream, data: i })));
        const all = new Inbox();
        const after = new Inbox();
        await bus.subscribe(stream, { fromId: FROM_START }, (m) => all.push(m));
        await bus.subscribe(stream, { fromId: ids[2]! }, (m) => after.push(m));
        await bus.publish(stream, 5);
        expect((await all.until(6)).map((m) => m.data)).toEqual(range(6));
        expect((await after.until(3)).map((m) => m.data)).toEqual([3, 4, 5]);
      });
    });

    describe('close', () => {
      it('waits for running handlers, then stops every delivery and refuses further calls', async () => {
        const started = deferred();
        const release = deferred();
        const log: string[] = [];
        await bus.subscribe(stream, { group: 'g', consumer: 'c1' }, async (m) => {
          started.resolve();
          await release.promise;
          log.push(`handled ${String(m.data)}`);
        });
        await bus.publishMany([
          { stream, data: 1 },
          { stream, data: 2 },
        ]);
        await started.promise;
        const closed = bus.close().then(() => log.push('closed'));
        await sleep(10);
        log.push('released');
        release.resolve();
        await closed;
        expect(log).toEqual(['released', 'handled 1', 'closed']);
        await expect(bus.publish(stream, 3)).rejects.toBeInstanceOf(BusClosedError);
        await expect(bus.subscribe(stream, {}, () => undefined)).rejects.toMatchObject({
          code: 'BATON_E_BUS_CLOSED',
        });
        await bus.close();
      });

      it('stops one subscription without touching the others', async () => {
        const a = new Inbox();
        const b = new Inbox();
        const subA = await bus.subscribe(stream, {}, (m) => a.push(m));
        await bus.subscribe(stream, {}, (m) => b.push(m));
        await bus.publish(stream, 1);
        await a.until(1);
        await subA.close();
        await bus.publish(stream, 2);
        expect((await b.until(2)).map((m) => m.data)).toEqual([1, 2]);
        expect(a.data).toEqual([1]);
      });
    });

    describe('arguments', () => {
      it('refuses data that is not JSON, publishing nothing of its batch', async () => {
        const tail = new Inbox();
        await bus.subscribe(stream, {}, (m) => tail.push(m));
        await expect(bus.publish(stream, { n: 1n })).rejects.toBeInstanceOf(BusInvalidArgumentError);
        const batch = bus.publishMany([
          { stream, data: 'ok' },
          { stream, data: undefined },
        ]);
        await expect(batch).rejects.toMatchObject({ code: 'BATON_E_BUS_INVALID' });
        await bus.publish(stream, 'after');
        await tail.until(1);
        expect(tail.data).toEqual(['after']);
      });

      it('refuses malformed ids and empty group or consumer names', async () => {
        await expect(bus.ack(stream, 'g', ['not-an-id'])).rejects.toBeInstanceOf(BusInvalidArgumentError);
        await expect(bus.subscribe(stream, { fromId: 'yesterday' }, () => undefined)).rejects.toBeInstanceOf(
          BusInvalidArgumentError,
        );
        await expect(
          bus.subscribe(stream, { group: '', consumer: 'c' }, () => undefined),
        ).rejects.toBeInstanceOf(BusInvalidArgumentError);
        await expect(
          bus.subscribe(stream, { group: 'g', consumer: '' }, () => undefined),
        ).rejects.toBeInstanceOf(BusInvalidArgumentError);
      });
    });
  });
}
