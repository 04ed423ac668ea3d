// Opens Redis buses for tests: each under a key prefix of its own on the shared Redis (127.0.0.1:6379),
// whose keys are deleted afterwards, with the bus's log lines kept for the test to read.

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RetentionOptions } from '../../../src/bus/bus.js';
import { openRedisBus, type RedisBus, type RedisBusOptions } from '../../../src/bus/redis/redis-bus.js';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = Number(process.env.BATON_TEST_REDIS_PORT ?? 6379);

export interface RedisTestBus {
  readonly bus: RedisBus;
  readonly prefix: string;
  readonly logs: string[];
  /** Closes the bus if still open and deletes every key under its prefix. */
  cleanup(): Promise<void>;
}

/** Deletes every key under `prefix:` (SCAN, so the shared server is never blocked). */
export async function deletePrefix(prefix: string, port = REDIS_PORT): Promise<number> {
  const admin = new Redis({ host: REDIS_HOST, port, lazyConnect: true });
  await admin.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
  return deleted;
}

export async function openTestBus(
  options: RetentionOptions & Partial<RedisBusOptions> = {},
): Promise<RedisTestBus> {
  const prefix = options.prefix ?? `baton-test-${randomUUID()}`;
  const logs: string[] = [];
  const bus = await openRedisBus({
    host: REDIS_HOST,
    port: REDIS_PORT,
    log: (line) => logs.push(line),
    ...options,
    prefix,
  });
  return {
    bus,
    prefix,
    logs,
    async cleanup() {
      await bus.close();
      await deletePrefix(prefix, options.port ?? REDIS_PORT);
    },
  };
}
