// The composition root opens the bus its `bus` string names: the in-process bus by default, Redis
// Streams for a redis:// URL (under the URL's prefix), and a coded error for anything else.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../../src/app.js';
import { deletePrefix, REDIS_HOST, REDIS_PORT } from './redis-harness.js';

describe('openApp({ bus })', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-app-bus-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes into Redis under the prefix of the URL', async () => {
    const prefix = `baton-test-${randomUUID()}`;
    const app = await openApp({
      dataDir: dir,
      bus: `redis://${REDIS_HOST}:${REDIS_PORT}/0?prefix=${prefix}`,
    });
    const admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    try {
      await app.bus.publish('ns:default:run:r1:events', { type: 'probe' });
      expect(await admin.xlen(`${prefix}:ns:default:run:r1:events`)).toBe(1);
    } finally {
      admin.disconnect();
      await app.close();
      await deletePrefix(prefix);
    }
  });

  it('refuses a bus string it cannot open with BATON_E_BUS_INVALID, before opening the data directory', async () => {
    const dataDir = join(dir, 'never');
    await expect(openApp({ dataDir, bus: 'redis://h' })).rejects.toMatchObject({
      code: 'BATON_E_BUS_INVALID',
      message: expect.stringContaining('the port is missing') as unknown,
    });
    expect(existsSync(dataDir)).toBe(false);
  });
});
