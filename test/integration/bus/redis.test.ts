// Runs the Bus conformance suite against Redis Streams (the shared Redis on 127.0.0.1:6379, each test
// under a key prefix of its own, deleted after), plus what only the Redis adapter promises: keys under
// the prefix, coded errors when Redis is away, and subscriptions that survive a restart of Redis.

import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BusUnavailableError, FROM_START, type BusMessage } from '../../../src/bus/bus.js';
import { openRedisBus } from '../../../src/bus/redis/redis-bus.js';
import { ID_FUNCTIONS } from '../../../src/bus/redis/trim-lua.js';
import { busConformance } from '../../conformance/bus-suite.js';
import { openTestBus, REDIS_HOST, REDIS_PORT, type RedisTestBus } from './redis-harness.js';
import { freePort, startOwnRedis, type OwnRedis } from './redis-server.js';

busConformance('redis', async (retention) => {
  const t = await openTestBus(retention);
  return { bus: t.bus, cleanup: () => t.cleanup() };
});

/** Resolves once `predicate` holds for the messages a handler has pushed. */
class Seen {
  readonly messages: BusMessage[] = [];
  #check: (() => void) | undefined;
  push = (m: BusMessage): void => {
    this.messages.push(m);
    this.#check?.();
  };
  until(predicate: (ms: BusMessage[]) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.#check = () => predicate(this.messages) && resolve();
      this.#check();
    });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('redis bus', () => {
  const opened: RedisTestBus[] = [];
  const admin = () => new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.cleanup()));
  });
  const open = async (...args: Parameters<typeof openTestBus>) => {
    const t = await openTestBus(...args);
    opened.push(t);
    return t;
  };

  it('keeps every stream under <prefix>:<stream>, so deployments with other prefixes never meet', async () => {
    const a = await open();
    const b = await open();
    const seenB = new Seen();
    await b.bus.subscribe('ns:default:events', { group: 'g', consumer: 'c' }, seenB.push);
    await a.bus.publish('ns:default:events', 'for a');
    await b.bus.publish('ns:default:events', 'for b');
    await seenB.until((ms) => ms.length >= 1);
    const r = admin();
    try {
      expect(await r.xlen(`${a.prefix}:ns:default:events`)).toBe(1);
      expect(await r.xlen(`${b.prefix}:ns:default:events`)).toBe(1);
      expect(await r.exists('ns:default:events')).toBe(0);
    } finally {
      r.disconnect();
    }
    // Had a's message reached b's stream it would have come first.
    expect(seenB.messages.map((m) => [m.stream, m.data])).toEqual([['ns:default:events', 'for b']]);
  });

  it('refuses to open with BATON_E_BUS_UNAVAILABLE naming the endpoint when nothing listens', async () => {
    const port = await freePort();
    const opening = openRedisBus({ host: '127.0.0.1', port, prefix: 'never', log: () => undefined });
    const error: unknown = await opening.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect((error as BusUnavailableError).code).toBe('BATON_E_BUS_UNAVAILABLE');
    expect((error as BusUnavailableError).message).toContain(`connect to redis://127.0.0.1:${port}/0`);
  });

  it('logs and counts a handler error when no onError is given, and redelivers the message', async () => {
    const t = await open();
    const seen = new Seen();
    await t.bus.subscribe('jobs', { group: 'g', consumer: 'c', visibilityTimeoutMs: 20 }, async (m) => {
      seen.push(m);
      if (m.deliveryCount === 1) throw new Error('boom');
      await t.bus.ack('jobs', 'g', [m.id]);
    });
    await t.bus.publish('jobs', 'x');
    await seen.until((ms) => ms.length >= 2);
    expect(t.bus.stats().handlerErrors).toBe(1);
    expect(t.logs.some((l) => l.includes('"jobs"') && l.includes('boom'))).toBe(true);
  });

  it('computes trim floors exactly: the next id carries across digits and past the largest sequence', async () => {
    const r = admin();
    try {
      const lua = `${ID_FUNCTIONS}
        return {succ('5-9'), succ('5-199'), succ('5-18446744073709551615'), succ('99-0'),
          tostring(idlt('9-5', '10-0')), tostring(idlt('10-0', '9-5')), tostring(idlt('7-10', '7-9'))}`;
      expect(await r.eval(lua, 0)).toEqual(['5-10', '5-200', '6-0', '99-1', 'true', 'false', 'false']);
    } finally {
      r.disconnect();
    }
  });

  it('skips, acks and counts an entry it did not write, then delivers the next one', async () => {
    const t = await open();
    const seen = new Seen();
    await t.bus.subscribe('mixed', { group: 'g', consumer: 'c' }, async (m) => {
      await t.bus.ack('mixed', 'g', [m.id]);
      seen.push(m);
    });
    const r = admin();
    try {
      await r.xadd(`${t.prefix}:mixed`, '*', 'other', 'field');
    } finally {
      r.disconnect();
    }
    await t.bus.publish('mixed', 'ours');
    await seen.until((ms) => ms.length >= 1);
    expect(seen.messages.map((m) => m.data)).toEqual(['ours']);
    expect(t.bus.stats().malformed).toBe(1);
    expect(await t.bus.pending('mixed', 'g')).toBe(0);
  });
});

describe('redis bus across a restart of Redis', () => {
  let server: OwnRedis | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('keeps a group consumer and a tail delivering once Redis is back empty, and reports the outage', async () => {
    server = await startOwnRedis();
    const logs: string[] = [];
    const bus = await openRedisBus({
      host: '127.0.0.1',
      port: server.port,
      prefix: 'restart',
      log: (l) => logs.push(l),
    });
    const grouped = new Seen();
    const tailed = new Seen();
    await bus.subscribe('work', { group: 'workers', consumer: 'w1' }, async (m) => {
      await bus.ack('work', 'workers', [m.id]);
      grouped.push(m);
    });
    await bus.subscribe('work', { fromId: FROM_START }, tailed.push);

    // Publishes go on throughout, as a runtime's would; failures are kept to check their codes.
    let phase = 'before';
    let publishing = true;
    const failures: unknown[] = [];
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        try {
          await bus.publish('work', { phase, i });
        } catch (e) {
          failures.push(e);
        }
        await sleep(5);
      }
    })();
    const after = (ms: BusMessage[]) =>
      ms.filter((m) => (m.data as { phase: string }).phase === 'after').length;

    await grouped.until((ms) => ms.length >= 5);
    await server.stop();
    while (failures.length === 0) await sleep(5);
    await expect(bus.pending('work', 'workers')).rejects.toMatchObject({ code: 'BATON_E_BUS_UNAVAILABLE' });
    await server.start();
    phase = 'after';
    await grouped.until((ms) => after(ms) >= 5);
    await tailed.until((ms) => after(ms) >= 5);
    publishing = false;
    await publisher;
    await bus.close();
    // Closed means its connections are gone from the server too (QUIT is answered before the close).
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    try {
      const named = async () => ((await admin.client('LIST')) as string).match(/name=baton-bus/g) ?? [];
      while ((await named()).length > 0) await sleep(10);
    } finally {
      admin.disconnect();
    }
    if (process.env.SHOW_LOGS) console.log(logs.join('\n'), bus.stats());

    expect(failures[0]).toBeInstanceOf(BusUnavailableError);
    expect(failures[0]).toMatchObject({
      code: 'BATON_E_BUS_UNAVAILABLE',
      operation: 'publish',
      stream: 'work',
    });
    const stats = bus.stats();
    expect(stats.publishErrors).toBe(failures.length);
    expect(stats.connectionErrors).toBeGreaterThan(0);
    expect(stats.reconnects).toBeGreaterThan(0);
    expect(stats.groupsRecreated).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.includes('connection lost'))).toBe(true);
    expect(logs.filter((l) => l.startsWith('bus publish on "work" failed'))).toHaveLength(1);
    expect(logs.some((l) => l.includes('group "workers" of "work" was gone'))).toBe(true);
    // The messages the consumer got after the restart came in order, each once.
    const ids = grouped.messages
      .filter((m) => (m.data as { phase: string }).phase === 'after')
      .map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
