// Global hooks over the store (hooks/global-hooks.ts) and the execution log (hooks/hook-log.ts), on
// SQLite and PostgreSQL: validated create/update/delete with coded errors, the engine's view with the
// spec's defaults filled, logged outputs bounded to 64 KiB, and retention deleting old executions.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GlobalHookAdmin, StoreGlobalHooks } from '../../../src/hooks/global-hooks.js';
import { HookLogRetention, MAX_LOGGED_OUTPUT, StoreHookLog } from '../../../src/hooks/hook-log.js';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { parseStoreUrl } from '../../../src/store/store-url.js';
import type { Store } from '../../../src/store/store.js';
import { dropSchema, pgTestSchema } from '../store/pg-schema.js';

const undo: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const u of undo.splice(0).reverse()) await u();
});

const adapters: Record<string, () => Promise<Store>> = {
  sqlite: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-ghooks-'));
    const s = await openSqliteStore({ dataDir: dir });
    undo.push(
      () => rm(dir, { recursive: true, force: true }),
      () => s.close(),
    );
    return s;
  },
  postgres: async () => {
    const { schema, url } = pgTestSchema('ghooks');
    const loc = parseStoreUrl(url);
    if (loc.kind !== 'postgres') throw new Error(url);
    const s = await openPostgresStore(loc);
    undo.push(
      () => dropSchema(schema),
      () => s.close(),
    );
    return s;
  },
};

describe.each(Object.keys(adapters))('global hooks on %s', (adapter) => {
  const open = adapters[adapter]!;

  it('creates with defaults, lists as the engine runs them, updates by replacing, deletes', async () => {
    const store = await open();
    let now = 1_000;
    const admin = new GlobalHookAdmin(store, () => now);
    const { config: created } = await admin.create('acme', {
      name: 'guard',
      trigger: 'pre_command',
      command: './policy.sh',
    });
    expect(created).toMatchObject({
      name: 'guard',
      trigger: 'pre_command',
      args: [],
      timeout_ms: 30_000,
      priority: 100,
      enabled: true,
      always_run: false,
      kind: 'exec',
      mode: 'blocking',
      fail: 'closed',
      source: 'global',
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    await admin.create('acme', {
      name: 'notify',
      trigger: 'notification',
      command: 'https://hooks.example/baton',
      priority: 1,
      matcher: { task: 'review*' },
    });
    const engine = await new StoreGlobalHooks(store).list('acme');
    expect(engine.map((h) => [h.name, h.kind, h.mode, h.fail])).toEqual([
      ['notify', 'http', 'async', 'open'],
      ['guard', 'exec', 'blocking', 'closed'],
    ]);
    expect(engine[0]!.matcher).toEqual({ task: 'review*' });
    expect(await new StoreGlobalHooks(store).list('globex')).toEqual([]);

    now = 2_000;
    const { config: updated, updatedAt } = await admin.update('acme', 'guard', {
      trigger: 'pre_command',
      command: './policy.sh',
      args: ['--strict'],
      enabled: false,
      fail: 'open',
    });
    expect(updated).toMatchObject({ args: ['--strict'], enabled: false, fail: 'open', id: created.id });
    expect(updatedAt).toBe(2_000);
    expect((await store.getHook('acme', 'guard'))!.updatedAt).toBe(2_000);
    expect((await admin.list('acme', 'pre_command')).map((h) => h.config.name)).toEqual(['guard']);
    await admin.delete('acme', 'guard');
    expect((await admin.list('acme')).map((h) => h.config.name)).toEqual(['notify']);
  });

  it('gives runs started together one read of their hooks, and a start after a create sees the hook', async () => {
    const store = await open();
    const admin = new GlobalHookAdmin(store);
    const reads: string[] = [];
    const counted = new Proxy(store, {
      get: (target, key, receiver) =>
        key === 'listHooks'
          ? (ns: string) => (reads.push(ns), target.listHooks(ns))
          : (Reflect.get(target, key, receiver) as unknown),
    });
    const global = new StoreGlobalHooks(counted);
    await admin.create('acme', { name: 'first', trigger: 'pre_task', command: './a.sh' });
    const burst = await Promise.all([
      ...Array.from({ length: 50 }, () => global.list('acme')),
      global.list('globex'),
    ]);
    expect(reads.sort()).toEqual(['acme', 'globex']);
    for (const hooks of burst.slice(0, 50)) expect(hooks.map((h) => h.name)).toEqual(['first']);
    expect(burst[50]).toEqual([]);

    // A read already sent is not joined: a start after the create reads again and sees the new hook.
    const before = global.list('acme');
    await Promise.resolve(); // the read is sent
    await admin.create('acme', { name: 'second', trigger: 'pre_task', command: './b.sh' });
    const after = global.list('acme');
    expect((await after).map((h) => h.name).sort()).toEqual(['first', 'second']);
    await before;
    expect(reads.filter((ns) => ns === 'acme')).toHaveLength(3);
  });

  it('refuses bad hooks, a duplicate name and a missing hook with coded errors', async () => {
    const store = await open();
    const admin = new GlobalHookAdmin(store);
    await expect(
      admin.create('acme', { name: 'x', trigger: 'pre_lunch', command: 'a' }),
    ).rejects.toMatchObject({
      code: 'BATON_E_HOOK_REQUEST_INVALID',
      message: expect.stringContaining('trigger') as unknown,
    });
    await expect(
      admin.create('acme', { name: 'x', trigger: 'pre_task', command: 'a', timeout_ms: 0 }),
    ).rejects.toMatchObject({
      code: 'BATON_E_HOOK_REQUEST_INVALID',
      message: expect.stringContaining('timeout_ms') as unknown,
    });
    await expect(
      admin.create('acme', { name: 'has space', trigger: 'pre_task', command: 'a' }),
    ).rejects.toMatchObject({
      code: 'BATON_E_HOOK_REQUEST_INVALID',
    });
    await admin.create('acme', { name: 'x', trigger: 'pre_task', command: 'a' });
    await expect(
      admin.create('acme', { name: 'x', trigger: 'post_task', command: 'b' }),
    ).rejects.toMatchObject({
      code: 'BATON_E_HOOK_EXISTS',
    });
    await expect(admin.get('acme', 'nope')).rejects.toMatchObject({ code: 'BATON_E_HOOK_NOT_FOUND' });
    await expect(admin.delete('acme', 'nope')).rejects.toMatchObject({ code: 'BATON_E_HOOK_NOT_FOUND' });
    await expect(admin.update('acme', 'nope', { trigger: 'pre_task', command: 'a' })).rejects.toMatchObject({
      code: 'BATON_E_HOOK_NOT_FOUND',
    });
    await expect(
      admin.update('acme', 'x', { name: 'y', trigger: 'pre_task', command: 'a' }),
    ).rejects.toMatchObject({
      code: 'BATON_E_HOOK_REQUEST_INVALID',
    });
    await expect(admin.list('acme', 'nope')).rejects.toMatchObject({ code: 'BATON_E_HOOK_REQUEST_INVALID' });
  });

  it('logs executions (output over 64 KiB kept truncated) and retention deletes the old ones', async () => {
    const store = await open();
    const log = new StoreHookLog(store);
    const base = {
      namespace: 'acme',
      runId: 'r1',
      trigger: 'pre_task' as const,
      mode: 'blocking' as const,
      inputDigest: 'f'.repeat(64),
      verdict: 'allow' as const,
      durationMs: 3,
    };
    const day = 86_400_000;
    const now = Date.parse('2026-12-07T12:00:00Z');
    await Promise.all([
      log.record({ ...base, hook: 'old', at: new Date(now - 8 * day).toISOString() }),
      log.record({
        ...base,
        hook: 'big',
        output: { blob: 'x'.repeat(100_000) },
        at: new Date(now - day).toISOString(),
      }),
      log.record({ ...base, hook: 'new', verdict: 'deny', message: 'no', at: new Date(now).toISOString() }),
    ]);
    const [big] = (await store.listHookExecutions('acme', { hook: 'big' })).executions;
    const out = big!.output as { truncated: boolean; json: string };
    expect(out.truncated).toBe(true);
    expect(out.json).toHaveLength(MAX_LOGGED_OUTPUT);
    const lines: string[] = [];
    const retention = new HookLogRetention({ store, now: () => now, log: (l) => lines.push(l), batch: 1 });
    expect(await retention.sweep()).toBe(1);
    expect((await store.listHookExecutions('acme')).executions.map((e) => e.hook)).toEqual(['new', 'big']);
    expect(lines[0]).toMatch(
      /^baton: hook log: deleted 1 execution\(s\) logged before 2026-11-30T12:00:00.000Z/,
    );
    const shorter = new HookLogRetention({
      store,
      now: () => now,
      olderThanMs: 3_600_000,
      log: () => undefined,
    });
    expect(await shorter.sweep()).toBe(1);
    expect((await store.listHookExecutions('acme')).executions.map((e) => e.hook)).toEqual(['new']);
  });
});
