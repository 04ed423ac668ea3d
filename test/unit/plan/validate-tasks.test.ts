// Task-level rules: unique ids, one way to run, key combinations, fan-out sources, hook task names.
import { describe, expect, it } from 'vitest';
import { chain, found, validate } from './helpers.js';

describe('task rules', () => {
  it('accepts a plain valid chain', () => {
    expect(validate(chain(5))).toEqual([]);
  });

  it('reports a duplicate id at the second task, naming the line of the first', () => {
    const ds = validate([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a' },
      { id: 'x', agent: 'b' },
    ]);
    expect(found(ds)).toEqual([['BATON_E_DUPLICATE_TASK', 'workflow.tasks.2.id']]);
    expect(ds[0]!.message).toBe('task id "x" is already used by the task on line 0');
  });

  it('requires exactly one of agent, workflow, block', () => {
    const ds = validate([
      { id: 'none' },
      { id: 'two', agent: 'a', workflow: 'sub.yaml' },
      { id: 'one', workflow: 'sub.yaml' },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_CONFLICTING_KEYS', 'workflow.tasks.0'],
      ['BATON_E_CONFLICTING_KEYS', 'workflow.tasks.1.workflow'],
    ]);
    expect(ds[1]!.message).toContain('both agent and workflow');
  });

  it('rejects requires on a task without an agent, and on with wait_for', () => {
    const ds = validate([
      { id: 'w', workflow: 'sub.yaml', requires: ['x'] },
      { id: 'e', agent: 'a', on: 'data_updates', wait_for: { channel: 'data_updates', timeout: '5s' } },
      { id: 'ok', agent: 'a', on: 'data_updates', depends_on: ['w'] },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_CONFLICTING_KEYS', 'workflow.tasks.0.requires'],
      ['BATON_E_CONFLICTING_KEYS', 'workflow.tasks.1.wait_for'],
    ]);
  });

  it('requires one dependency (or for_each) to fan out over', () => {
    const ds = validate([
      { id: 'src', agent: 'a' },
      { id: 'src2', agent: 'a' },
      { id: 'one', agent: 'a', depends_on: ['src'], parallel: true },
      { id: 'two', agent: 'a', depends_on: ['src', 'src2'], parallel: 4 },
      { id: 'zero', agent: 'a', parallel: true },
      { id: 'listed', agent: 'a', depends_on: ['src', 'src2'], parallel: true, for_each: 'tasks.src.output' },
      { id: 'serial', agent: 'a', depends_on: ['src', 'src2'], parallel: false },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_FAN_OUT_SOURCE', 'workflow.tasks.3.parallel'],
      ['BATON_E_FAN_OUT_SOURCE', 'workflow.tasks.4.parallel'],
    ]);
    expect(ds[0]!.message).toContain('2 dependencies');
    expect(ds[1]!.message).toContain('no dependency');
  });

  it('reports for_each without parallel as a missing key', () => {
    const ds = validate([
      { id: 'src', agent: 'a' },
      { id: 'each', agent: 'a', depends_on: ['src'], for_each: 'tasks.src.output' },
    ]);
    expect(found(ds)).toEqual([['BATON_E_MISSING_KEY', 'workflow.tasks.1.for_each']]);
  });

  it("checks hooks' task names, with a suggestion", () => {
    const ds = validate([...chain(2), { id: 'publish', agent: 'b', depends_on: ['t1'] }], {
      hooks: [{ name: 'fmt', trigger: 'post_task', command: 'fmt@1.0.0', tasks: ['t1', 'pubilsh'] }],
    });
    expect(found(ds)).toEqual([['BATON_E_UNKNOWN_TASK', 'workflow.hooks.0.tasks.1']]);
    expect(ds[0]!.hint).toBe('did you mean "publish"?');
  });

  it('checks hooks: unique names, matchers their trigger can match, commands that fit their kind', () => {
    const h = (over: Record<string, unknown>) => ({ trigger: 'pre_task', command: 'sh', ...over });
    const ds = validate(chain(2), {
      hooks: [
        h({ name: 'a' }),
        h({ name: 'a' }),
        h({ name: 'tool', matcher: { tool: 'command' } }),
        h({ name: 'cmd', trigger: 'pre_command', matcher: { tool: 'comm*' } }),
        h({ name: 'start', trigger: 'session_start', matcher: { task: 't1' } }),
        h({ name: 'web', kind: 'http' }),
        h({ name: 'plug', kind: 'wasm', command: './x.sh' }),
        h({ name: 'ok', kind: 'wasm', command: 'acme/guard@1.0.0' }),
      ],
    });
    expect(found(ds)).toEqual([
      ['BATON_E_HOOK_INVALID', 'workflow.hooks.1.name'],
      ['BATON_E_HOOK_INVALID', 'workflow.hooks.2.matcher.tool'],
      ['BATON_E_HOOK_INVALID', 'workflow.hooks.4.matcher'],
      ['BATON_E_HOOK_INVALID', 'workflow.hooks.5.command'],
      ['BATON_E_HOOK_INVALID', 'workflow.hooks.6.command'],
    ]);
    expect(ds[0]!.message).toBe('hook name "a" is already used by hook 1');
  });
});
