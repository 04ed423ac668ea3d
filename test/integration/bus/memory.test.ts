// Runs the Bus conformance suite against the in-process bus, plus what only it promises: trimming at ack,
// and no timers left behind by close().

import { afterEach, describe, expect, it, vi } from 'vitest';
import { FROM_START, type Bus, type BusMessage } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { busConformance } from '../../conformance/bus-suite.js';

busConformance('memory', (retention) => {
  const bus = openMemoryBus(retention);
  return Promise.resolve({ bus, cleanup: () => bus.close() });
});

/** The oldest message a stream retains, as a fresh tail from FROM_START sees it. */
async function oldest(bus: Bus, stream: string): Promise<unknown> {
  let first!: (data: unknown) => void;
  const got = new Promise<unknown>((resolve) => (first = resolve));
  const tail = await bus.subscribe(stream, { fromId: FROM_START }, (m) => first(m.data));
  const data = await got;
  await tail.close();
  return data;
}

/** Resolves with the first n messages a handler receives. */
function collector(n: number): { handler: (m: BusMessage) => void; done: Promise<BusMessage[]> } {
  const got: BusMessage[] = [];
  let finish!: (all: BusMessage[]) => void;
  const done = new Promise<BusMessage[]>((resolve) => (finish = resolve));
  return {
    handler: (m) => {
      got.push(m);
      if (got.length === n) finish(got);
    },
    done,
  };
}

const tenMessages = Array.from({ length: 10 }, (_, i) => ({ stream: 's', data: i }));

// Retention by length and age, and what it never trims, is in the conformance suite; the memory bus also
// trims at each ack.
describe('memory bus retention', () => {
  it('trims a message as soon as the last group needing it acks it', async () => {
    const bus = openMemoryBus({ maxLenPerStream: 3 });
    const slow = collector(10);
    await bus.subscribe('s', { group: 'slow', consumer: 'c' }, slow.handler);
    await bus.publishMany(tenMessages);
    const delivered = await slow.done;
    expect(await oldest(bus, 's')).toBe(0);
    expect(
      await bus.ack(
        's',
        'slow',
        delivered.map((m) => m.id),
      ),
    ).toBe(10);
    expect(await oldest(bus, 's')).toBe(7);
    await bus.close();
  });

  it('refuses a retention bound below one message or one ms', () => {
    expect(() => openMemoryBus({ maxLenPerStream: 0 })).toThrow(/maxLenPerStream/);
    expect(() => openMemoryBus({ maxAgeMs: 0 })).toThrow(/maxAgeMs/);
  });
});

describe('memory bus timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** One turn of the real event loop: lets delivery loops run until they sleep. */
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('claims on a timer rather than by polling, and leaves no timer after close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const bus = openMemoryBus();
    const deliveries = collector(2);
    await bus.subscribe('s', { group: 'g', consumer: 'c1', visibilityTimeoutMs: 60_000 }, deliveries.handler);
    await turn();
    expect(vi.getTimerCount()).toBe(0);
    await bus.publish('s', 'job');
    await turn();
    // Nothing is acked: the consumer sleeps with one timer, due when the message becomes claimable.
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    const [first, again] = await deliveries.done;
    expect([first!.deliveryCount, again!.deliveryCount]).toEqual([1, 2]);
    await turn();
    expect(vi.getTimerCount()).toBe(1);
    await bus.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
