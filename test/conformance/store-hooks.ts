// The hooks part of the Store contract (hook-records.ts: global hooks in workflow_hooks, the hook
// execution log and its retention): run by store-suite.ts for every adapter.

import { describe, expect, it } from 'vitest';
import {
  HookExistsError,
  StoreInvalidArgumentError,
  type NewHookExecutionRecord,
  type NewHookRecord,
  type Store,
} from '../../src/store/store.js';

const hook = (name: string, extra: Partial<NewHookRecord> = {}): NewHookRecord => ({
  ns: 'acme',
  hookId: `00000000-0000-4000-8000-${String(name.length).padStart(12, '0')}`,
  name,
  trigger: 'pre_task',
  command: 'assign@1.0.0',
  args: ['--fast'],
  alwaysRun: false,
  timeoutMs: 30_000,
  enabled: true,
  priority: 100,
  kind: null,
  mode: null,
  fail: null,
  matcher: null,
  createdAt: 1_700_000_000_000,
  ...extra,
});

const exec = (runId: string, hookName: string, at: number, extra: Partial<NewHookExecutionRecord> = {}) => ({
  ns: 'acme',
  runId,
  hook: hookName,
  trigger: 'pre_task',
  mode: 'blocking',
  inputDigest: 'a'.repeat(64),
  verdict: 'allow',
  message: null,
  output: null,
  durationMs: 1.5,
  error: null,
  at,
  ...extra,
});

let uuidN = 0;
const uuid = () => `00000000-0000-4000-9000-${String(++uuidN).padStart(12, '0')}`;

export function hooksConformance(get: () => { store: Store; connect: () => Promise<Store> }): void {
  describe('global hooks (workflow_hooks)', () => {
    it('creates, reads back every field, lists by priority then name, narrows by trigger', async () => {
      const { store } = get();
      await store.createHook(
        hook('notify', {
          hookId: uuid(),
          trigger: 'notification',
          command: 'https://example.test/hook',
          priority: 5,
          kind: 'http',
          mode: 'async',
          fail: 'open',
          matcher: { agent: 'research*', task: '*' },
          alwaysRun: true,
          timeoutMs: 2500,
          enabled: false,
        }),
      );
      await store.createHook(hook('b-assign', { hookId: uuid() }));
      await store.createHook(hook('a-assign', { hookId: uuid() }));
      const got = await store.getHook('acme', 'notify');
      expect(got).toMatchObject({
        ns: 'acme',
        name: 'notify',
        trigger: 'notification',
        command: 'https://example.test/hook',
        args: ['--fast'],
        priority: 5,
        kind: 'http',
        mode: 'async',
        fail: 'open',
        matcher: { agent: 'research*', task: '*' },
        alwaysRun: true,
        timeoutMs: 2500,
        enabled: false,
        createdAt: 1_700_000_000_000,
        updatedAt: 1_700_000_000_000,
      });
      expect(got!.hookId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await store.listHooks('acme')).map((h) => h.name)).toEqual(['notify', 'a-assign', 'b-assign']);
      expect((await store.listHooks('acme', { trigger: 'pre_task' })).map((h) => h.name)).toEqual([
        'a-assign',
        'b-assign',
      ]);
      expect(await store.listHooks('globex')).toEqual([]);
      expect(await store.getHook('globex', 'notify')).toBeUndefined();
    });

    it('refuses a second hook of the same name in a namespace, not in another', async () => {
      const { store } = get();
      await store.createHook(hook('guard', { hookId: uuid() }));
      await expect(
        store.createHook(hook('guard', { hookId: uuid(), command: 'other' })),
      ).rejects.toBeInstanceOf(HookExistsError);
      await store.createHook(hook('guard', { hookId: uuid(), ns: 'globex' }));
      expect((await store.getHook('acme', 'guard'))!.command).toBe('assign@1.0.0');
    });

    it('updates every mutable field and deletes; both report a missing hook', async () => {
      const { store } = get();
      await store.createHook(hook('fmt', { hookId: uuid() }));
      const before = (await store.getHook('acme', 'fmt'))!;
      const changed = await store.updateHook('acme', 'fmt', {
        trigger: 'post_edit',
        command: 'prettier',
        args: ['--write'],
        alwaysRun: true,
        timeoutMs: 1000,
        enabled: false,
        priority: 1,
        kind: 'exec',
        mode: 'blocking',
        fail: 'closed',
        matcher: { tool: 'edit' },
        updatedAt: 1_700_000_005_000,
      });
      expect(changed).toBe(true);
      expect(await store.getHook('acme', 'fmt')).toEqual({
        ...before,
        trigger: 'post_edit',
        command: 'prettier',
        args: ['--write'],
        alwaysRun: true,
        timeoutMs: 1000,
        enabled: false,
        priority: 1,
        kind: 'exec',
        mode: 'blocking',
        fail: 'closed',
        matcher: { tool: 'edit' },
        updatedAt: 1_700_000_005_000,
      });
      const gone = { ...before, updatedAt: 1 };
      expect(await store.updateHook('acme', 'nope', gone)).toBe(false);
      expect(await store.deleteHook('acme', 'fmt')).toBe(true);
      expect(await store.deleteHook('acme', 'fmt')).toBe(false);
      expect(await store.getHook('acme', 'fmt')).toBeUndefined();
    });

    it('keeps hooks across close and reopen', async () => {
      const { store, connect } = get();
      await store.createHook(hook('kept', { hookId: uuid() }));
      await store.close();
      const again = await connect();
      expect((await again.getHook('acme', 'kept'))!.args).toEqual(['--fast']);
    });
  });

  describe('hook execution log', () => {
    it('appends, pages newest first, narrows by run and by hook, per namespace', async () => {
      const { store } = get();
      await store.appendHookExecutions([
        exec('r1', 'guard', 1000, { verdict: 'deny', message: 'rm -rf refused', output: { rule: 'rm' } }),
        exec('r1', 'notify', 1001, { mode: 'async', error: 'HTTP 500', verdict: 'error' }),
        exec('r2', 'guard', 1002),
        { ...exec('r1', 'guard', 1003), ns: 'globex' },
      ]);
      await store.appendHookExecutions([exec('r2', 'notify', 1004)]);
      await store.appendHookExecutions([]);
      const all = await store.listHookExecutions('acme');
      expect(all.executions.map((e) => [e.runId, e.hook, e.at])).toEqual([
        ['r2', 'notify', 1004],
        ['r2', 'guard', 1002],
        ['r1', 'notify', 1001],
        ['r1', 'guard', 1000],
      ]);
      expect(all.nextCursor).toBeUndefined();
      expect(all.executions[3]).toMatchObject({
        ns: 'acme',
        trigger: 'pre_task',
        mode: 'blocking',
        inputDigest: 'a'.repeat(64),
        verdict: 'deny',
        message: 'rm -rf refused',
        output: { rule: 'rm' },
        durationMs: 1.5,
        error: null,
      });
      expect(all.executions[2]).toMatchObject({
        mode: 'async',
        verdict: 'error',
        error: 'HTTP 500',
        output: null,
      });
      const r1 = await store.listHookExecutions('acme', { runId: 'r1' });
      expect(r1.executions.map((e) => e.hook)).toEqual(['notify', 'guard']);
      const guard = await store.listHookExecutions('acme', { hook: 'guard' });
      expect(guard.executions.map((e) => e.runId)).toEqual(['r2', 'r1']);
      const both = await store.listHookExecutions('acme', { hook: 'guard', runId: 'r2' });
      expect(both.executions.map((e) => e.at)).toEqual([1002]);
      expect((await store.listHookExecutions('globex')).executions).toHaveLength(1);

      const first = await store.listHookExecutions('acme', { limit: 3 });
      expect(first.executions.map((e) => e.at)).toEqual([1004, 1002, 1001]);
      const second = await store.listHookExecutions('acme', { limit: 3, cursor: first.nextCursor! });
      expect(second.executions.map((e) => e.at)).toEqual([1000]);
      expect(second.nextCursor).toBeUndefined();
    });

    it('refuses a cursor it did not hand out and a limit out of range', async () => {
      const { store } = get();
      await expect(store.listHookExecutions('acme', { cursor: 'nope' })).rejects.toBeInstanceOf(
        StoreInvalidArgumentError,
      );
      await expect(store.listHookExecutions('acme', { limit: 0 })).rejects.toBeInstanceOf(
        StoreInvalidArgumentError,
      );
    });

    it('purges executions older than a time in bounded batches, every namespace, newer ones kept', async () => {
      const { store } = get();
      await store.appendHookExecutions([
        exec('r1', 'a', 100),
        exec('r1', 'b', 200),
        { ...exec('r9', 'c', 150), ns: 'globex' },
        exec('r1', 'c', 300),
      ]);
      expect(await store.purgeHookExecutions(250, 2)).toBe(2);
      expect(await store.purgeHookExecutions(250, 2)).toBe(1);
      expect(await store.purgeHookExecutions(250, 2)).toBe(0);
      expect((await store.listHookExecutions('acme')).executions.map((e) => e.at)).toEqual([300]);
      expect((await store.listHookExecutions('globex')).executions).toEqual([]);
    });
  });
}
