import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apply,
  checkModification,
  decide,
  fold,
  initialState,
  restore,
  snapshot,
  type JournalEntry,
  type Modification,
  type RunSnapshot,
} from '../../../src/core/index.js';
import { z } from 'zod';
import { parsePatternConfig, registerPattern, type OrchestrationPattern } from '../../../src/core/index.js';
import { Task } from '../../../src/spec/schema.js';
import { Sim, workflow } from './sim.js';

const task = (t: Record<string, unknown>) => Task.parse(t);

/** Checks `changes` against the run and journals them when they pass; returns the check's problems. */
function modify(sim: Sim, changes: Modification[], by = 'alice', reason = 'test') {
  const check = checkModification(sim.state, changes);
  if (!check.ok) return check.problems;
  sim.input({
    type: 'RunModified',
    by,
    reason,
    changes,
    workflow: check.workflow,
    request: `req-${sim.journal.length}`,
    base: sim.state.modifications.length,
  });
  return [];
}

/** x -> y, with capabilities on agent b only. */
const chain = () =>
  workflow(
    [
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ],
    { agents: { a: { type: 't' }, b: { type: 't', capabilities: ['gpu'] } } },
  );

/**
 * A pattern registered in core (the built-in ones are plugins, whose config a live run cannot change):
 * its state holds a view of the workflow, its config, and a count its rebase carries over.
 */
interface Turns {
  readonly max: number;
  readonly tasks: readonly string[];
  readonly seen: number;
}
const turns: OrchestrationPattern<Turns> = {
  name: 'acme/turns@1.0.0',
  init(spec, config) {
    const c = parsePatternConfig(
      'acme-turns',
      z.strictObject({ max: z.number().int().min(1).default(3) }),
      config,
    );
    const tasks = spec.tasks.map((t) => t.id);
    return { state: { max: c.max, tasks, seen: 0 }, judges: tasks, holds: [], serial: false };
  },
  rebase: (state, fresh) => ({ ...fresh, seen: state.seen }),
  step: (state) => ({ state: { ...state, seen: state.seen + 1 }, decision: { op: 'continue' } }),
};
registerPattern(turns);

const turnsWorkflow = (config?: Record<string, unknown>) => ({
  ...chain(),
  orchestration_pattern: 'acme/turns@1.0.0',
  ...(config === undefined ? {} : { pattern_config: config }),
});

describe('live modification: changes that apply', () => {
  it('adds a task after a completed one: it starts at once and its output is in the result', () => {
    const sim = new Sim().start(chain());
    sim.complete('x', 'X');
    expect(
      modify(sim, [
        { op: 'add_task', task: task({ id: 'z', agent: 'b', depends_on: ['x'], input: 'tasks.x.output' }) },
      ]),
    ).toEqual([]);
    expect([...sim.calls.keys()].sort()).toEqual(['y', 'z']);
    expect(sim.calls.get('z')).toMatchObject({ agent: 'b', input: 'X' });
    sim.drive((d) => ({ output: `${d.task} done` }));
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({ y: 'y done', z: 'z done' });
    expect(sim.state.modifications).toEqual([
      expect.objectContaining({ by: 'alice', reason: 'test', seq: sim.entries('RunModified')[0]!.seq }),
    ]);
  });

  it('adds a task that waits for one still running, and one with no dependencies', () => {
    const sim = new Sim().start(chain());
    modify(sim, [
      { op: 'add_task', task: task({ id: 'after', agent: 'a', depends_on: ['x'] }) },
      { op: 'add_task', task: task({ id: 'free', agent: 'a' }) },
    ]);
    expect([...sim.calls.keys()].sort()).toEqual(['free', 'x']);
    sim.complete('x', 1);
    expect([...sim.calls.keys()].sort()).toEqual(['after', 'free', 'y']);
  });

  it('removes a pending task: the run completes without it', () => {
    const sim = new Sim().start(chain());
    modify(sim, [{ op: 'remove_task', task: 'y' }]);
    sim.complete('x', 'X');
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({ x: 'X' });
    expect(sim.dispatches.map((d) => d.task)).toEqual(['x']);
  });

  it('removing the last open task completes the run', () => {
    const sim = new Sim().start(chain());
    sim.complete('x', 'X');
    const y = sim.calls.get('y')!;
    expect(y).toBeDefined();
    // y is running: it cannot be removed; a pending sibling can, and the run ends when y does.
    modify(sim, [{ op: 'add_task', task: task({ id: 'w', agent: 'a', depends_on: ['y'] }) }]);
    modify(sim, [{ op: 'remove_task', task: 'w' }]);
    sim.complete('y', 'Y');
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({ y: 'Y' });
  });

  it('replaces a pending task: the new definition runs (new agent, new dependencies)', () => {
    const sim = new Sim().start(
      workflow([
        { id: 'x', agent: 'a' },
        { id: 'v', agent: 'a' },
        { id: 'y', agent: 'a', depends_on: ['x'] },
      ]),
    );
    modify(sim, [{ op: 'replace_task', task: task({ id: 'y', agent: 'b', depends_on: ['x', 'v'] }) }]);
    sim.complete('x', 1);
    expect(sim.calls.has('y')).toBe(false);
    sim.complete('v', 2);
    expect(sim.calls.get('y')).toMatchObject({ agent: 'b' });
  });

  it('swaps the agent of a running task: its retry runs on the new agent', () => {
    const sim = new Sim().start(
      workflow([{ id: 'x', agent: 'a', retry: { max_attempts: 3, initial_interval: '1s' } }]),
    );
    modify(sim, [{ op: 'swap_agent', task: 'x', agent: 'b' }]);
    expect(sim.calls.get('x')).toMatchObject({ agent: 'a', attempt: 1 });
    sim.fail('x', { code: 'BOOM' });
    const [timer] = [...sim.timers.keys()].filter((t) => t.includes('retry'));
    sim.fire(timer!);
    expect(sim.calls.get('x')).toMatchObject({ agent: 'b', attempt: 2 });
  });

  it('changes pattern parameters: the pattern is set up again from the new config, keeping what it accumulated', () => {
    const sim = new Sim().start(turnsWorkflow({ max: 2 }));
    expect(sim.state.pattern?.state).toEqual({ max: 2, tasks: ['x', 'y'], seen: 0 });
    sim.complete('x', 'X');
    expect(sim.state.pattern?.state).toMatchObject({ seen: 1 });
    expect(
      modify(sim, [
        { op: 'add_task', task: task({ id: 'z', agent: 'a', depends_on: ['x'] }) },
        { op: 'pattern_config', config: { max: 5 } },
      ]),
    ).toEqual([]);
    // rebase: the view of the workflow and the config from the new workflow, the count carried over.
    expect(sim.state.pattern?.state).toEqual({ max: 5, tasks: ['x', 'y', 'z'], seen: 1 });
    expect(sim.state.workflow?.pattern_config).toEqual({ max: 5 });
    sim.drive((d) => ({ output: d.task }));
    expect(sim.state.status).toBe('completed');
    expect(sim.state.pattern?.state).toMatchObject({ seen: 3 });
  });

  it('a paused run takes the change and starts the new task only when resumed', () => {
    const sim = new Sim().start(chain());
    sim.input({ type: 'RunPaused', by: 'bob', reason: 'look' });
    sim.complete('x', 'X');
    modify(sim, [{ op: 'add_task', task: task({ id: 'z', agent: 'a', depends_on: ['x'] }) }]);
    expect(sim.calls.size).toBe(0);
    sim.input({ type: 'RunResumed', by: 'bob' });
    expect([...sim.calls.keys()].sort()).toEqual(['y', 'z']);
  });
});

describe('live modification: rejections name the change, the task and why', () => {
  it('refuses to remove or replace a task that started, and to swap one that finished', () => {
    const sim = new Sim().start(chain());
    sim.complete('x', 'X');
    const problems = modify(sim, [
      { op: 'remove_task', task: 'y' },
      { op: 'replace_task', task: task({ id: 'x', agent: 'b' }) },
      { op: 'swap_agent', task: 'x', agent: 'b' },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        index: 0,
        op: 'remove_task',
        target: 'y',
        kind: 'state',
        message: expect.stringContaining('"y" is running') as string,
      }),
      expect.objectContaining({
        index: 1,
        op: 'replace_task',
        target: 'x',
        kind: 'state',
        message: expect.stringContaining('completed') as string,
      }),
      expect.objectContaining({ index: 2, op: 'swap_agent', target: 'x', code: 'BATON_E_MODIFY_CONFLICT' }),
    ]);
    expect(sim.entries('RunModified')).toEqual([]);
  });

  it('refuses unknown and duplicate tasks, and sub-workflows added late', () => {
    const sim = new Sim().start(chain());
    const problems = modify(sim, [
      { op: 'remove_task', task: 'nope' },
      { op: 'add_task', task: task({ id: 'x', agent: 'a' }) },
      { op: 'add_task', task: task({ id: 'sub', workflow: 'other@1' }) },
      { op: 'swap_agent', task: 'ghost', agent: 'a' },
    ]);
    expect(problems.map((p) => [p.index, p.code])).toEqual([
      [0, 'BATON_E_UNKNOWN_TASK'],
      [1, 'BATON_E_DUPLICATE_TASK'],
      [2, 'BATON_E_MODIFY_CONFLICT'],
      [3, 'BATON_E_UNKNOWN_TASK'],
    ]);
  });

  it('pins a dangling dependency on the change that removed its target, or that added the dependent', () => {
    const sim = new Sim().start(chain());
    const removed = modify(sim, [
      { op: 'add_task', task: task({ id: 'z', agent: 'a' }) },
      { op: 'remove_task', task: 'y' },
      { op: 'remove_task', task: 'z' },
      { op: 'add_task', task: task({ id: 'w', agent: 'a', depends_on: ['z'] }) },
    ]);
    expect(removed).toEqual([
      expect.objectContaining({
        index: 3,
        op: 'add_task',
        target: 'w',
        code: 'BATON_E_UNKNOWN_DEPENDENCY',
        kind: 'workflow',
      }),
    ]);
    // Removing x is refused twice over: it is running, and y would depend on nothing.
    const orphaned = modify(sim, [{ op: 'remove_task', task: 'x' }]);
    expect(orphaned.map((p) => [p.index, p.kind, p.code])).toEqual([
      [0, 'state', 'BATON_E_MODIFY_CONFLICT'],
      [0, 'workflow', 'BATON_E_UNKNOWN_DEPENDENCY'],
    ]);
  });

  it('refuses a removal that leaves a dependent waiting on nothing', () => {
    const sim = new Sim().start(
      workflow([
        { id: 'x', agent: 'a' },
        { id: 'p', agent: 'a', depends_on: ['x'] },
        { id: 'q', agent: 'a', depends_on: ['p'] },
      ]),
    );
    const problems = modify(sim, [
      { op: 'swap_agent', task: 'q', agent: 'b' },
      { op: 'remove_task', task: 'p' },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        index: 1,
        target: 'p',
        code: 'BATON_E_UNKNOWN_DEPENDENCY',
        message: expect.stringContaining('"p"') as string,
      }),
    ]);
  });

  it('refuses a swap to an agent without the capabilities the task requires, or undeclared', () => {
    const sim = new Sim().start(
      workflow([{ id: 'x', agent: 'b', requires: ['gpu'] }], {
        agents: { a: { type: 't' }, b: { type: 't', capabilities: ['gpu'] } },
      }),
    );
    const problems = modify(sim, [
      { op: 'swap_agent', task: 'x', agent: 'a' },
      { op: 'add_task', task: task({ id: 'y', agent: 'nobody' }) },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({ index: 0, target: 'x', code: 'BATON_E_CAPABILITY_MISMATCH' }),
      expect.objectContaining({ index: 1, target: 'y', code: 'BATON_E_UNKNOWN_AGENT' }),
    ]);
  });

  it('refuses a cycle and pattern parameters the pattern does not take', () => {
    const sim = new Sim().start(chain());
    const cycle = modify(sim, [
      { op: 'add_task', task: task({ id: 'z', agent: 'a', depends_on: ['y'] }) },
      { op: 'replace_task', task: task({ id: 'y', agent: 'a', depends_on: ['x', 'z'] }) },
    ]);
    expect(cycle).toEqual([expect.objectContaining({ index: 1, target: 'y', code: 'BATON_E_CYCLE' })]);
    const config = modify(sim, [{ op: 'pattern_config', config: { rounds: 2 } }]);
    expect(config).toEqual([
      expect.objectContaining({
        index: 0,
        op: 'pattern_config',
        target: 'graph',
        code: 'BATON_E_PATTERN_CONFIG',
      }),
    ]);
    const counted = new Sim().start(turnsWorkflow());
    expect(modify(counted, [{ op: 'pattern_config', config: { max: 0 } }])).toEqual([
      expect.objectContaining({
        index: 0,
        code: 'BATON_E_PATTERN_CONFIG',
        message: expect.stringContaining('pattern_config.max') as string,
      }),
    ]);
  });

  it('refuses any change to a run that ended', () => {
    const sim = new Sim().start(chain()).drive(() => ({ output: 1 }));
    expect(modify(sim, [{ op: 'add_task', task: task({ id: 'z', agent: 'a' }) }])).toEqual([
      expect.objectContaining({
        index: -1,
        kind: 'state',
        message: expect.stringContaining('completed') as string,
      }),
    ]);
  });

  it('a journaled change the run has outgrown (its task started meanwhile) changes nothing', () => {
    const sim = new Sim().start(chain());
    const changes: Modification[] = [{ op: 'remove_task', task: 'y' }];
    const check = checkModification(sim.state, changes);
    expect(check.ok).toBe(true);
    sim.complete('x', 'X'); // y starts before the entry is applied
    sim.input({
      type: 'RunModified',
      by: 'a',
      reason: 'late',
      changes,
      workflow: check.ok ? check.workflow : chain(),
      request: 'r',
      base: 0,
    });
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.state.modifications).toEqual([]);
    expect(sim.state.workflow?.tasks.map((t) => t.id)).toEqual(['x', 'y']);
  });

  it('a change derived before another one was applied changes nothing (it would undo the other)', () => {
    const sim = new Sim().start(chain());
    const first = checkModification(sim.state, [
      { op: 'add_task', task: task({ id: 'p', agent: 'a', depends_on: ['x'] }) },
    ]);
    const second = checkModification(sim.state, [
      { op: 'add_task', task: task({ id: 'q', agent: 'a', depends_on: ['x'] }) },
    ]);
    if (!first.ok || !second.ok) throw new Error('both changes are valid on their own');
    sim.input({
      type: 'RunModified',
      by: 'a',
      reason: '1',
      changes: [],
      workflow: first.workflow,
      request: 'r1',
      base: 0,
    });
    sim.input({
      type: 'RunModified',
      by: 'b',
      reason: '2',
      changes: [],
      workflow: second.workflow,
      request: 'r2',
      base: 0,
    });
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.state.workflow?.tasks.map((t) => t.id)).toEqual(['x', 'y', 'p']);
  });
});

describe('live modification: replay', () => {
  function modifiedRun(): Sim {
    const sim = new Sim().start(
      workflow([
        { id: 'x', agent: 'a' },
        { id: 'v', agent: 'a' },
        { id: 'y', agent: 'a', depends_on: ['x'] },
        { id: 'u', agent: 'a', depends_on: ['v'] },
      ]),
    );
    sim.complete('x', 'X');
    modify(sim, [
      { op: 'add_task', task: task({ id: 'z', agent: 'b', depends_on: ['x', 'y'] }) },
      { op: 'remove_task', task: 'u' },
      { op: 'swap_agent', task: 'y', agent: 'b' },
    ]);
    return sim;
  }

  it('folding the journal with RunModified gives the live state and the same commands', () => {
    const live = modifiedRun().drive((d) => ({ output: d.key }));
    expect(live.state.status).toBe('completed');
    expect(live.state.output).toEqual({ v: 'v', z: 'z' });
    const state = initialState();
    const commands = live.journal.flatMap((e: JournalEntry) => {
      apply(state, e);
      return decide(state, e);
    });
    expect(snapshot(state)).toEqual(snapshot(live.state));
    expect(commands).toEqual(live.commands);
  });

  it('a snapshot taken after the change restores to the same state, and the run finishes the same', () => {
    const sim = modifiedRun();
    const restored = restore(JSON.parse(JSON.stringify(snapshot(sim.state))) as RunSnapshot);
    expect(snapshot(restored)).toEqual(snapshot(sim.state));
    expect(restored.ctx?.graph.ids).toEqual(['x', 'v', 'y', 'z']);
    // A takeover right after the change re-issues the same attempts.
    const taken = Sim.recover(sim.journal, sim.now);
    expect([...taken.calls.keys()].sort()).toEqual([...sim.calls.keys()].sort());
    expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
  });

  it('a snapshot written before modifications existed restores with none', () => {
    const sim = new Sim().start(chain());
    const old = snapshot(sim.state) as unknown as Record<string, unknown>;
    delete old.modifications;
    expect(restore(old as never).modifications).toEqual([]);
  });
});

describe('live modification: properties over random DAGs', () => {
  const dag = fc
    .integer({ min: 1, max: 8 })
    .chain((n) =>
      fc.tuple(...Array.from({ length: n }, (_, j) => fc.subarray(Array.from({ length: j }, (_, i) => i)))),
    );

  it('at any point: added tasks run once after their dependencies, removed ones never, and fold(journal) is the live state', () => {
    let applied = 0;
    fc.assert(
      fc.property(
        dag,
        fc.nat({ max: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]),
        fc.nat({ max: 7 }),
        (deps, at, picks, addDeps, remove) => {
          const sim = new Sim().start(
            workflow(deps.map((d, j) => ({ id: `t${j}`, agent: 'a', depends_on: d.map((i) => `t${i}`) }))),
          );
          for (let k = 0; k < at && sim.calls.size > 0; k++) {
            const live = [...sim.calls.values()];
            const d = live[picks[k % picks.length]! % live.length]!;
            sim.complete(d.key, d.key);
          }
          const ids = deps.map((_, j) => `t${j}`);
          const newDeps = addDeps.filter((i) => i < ids.length).map((i) => ids[i]!);
          // A task nothing depends on (nor `new`) that has not started may go.
          const removable = ids.filter(
            (id, j) =>
              sim.state.tasks[sim.state.ctx!.graph.index.get(id)!]!.status === 'pending' &&
              !deps.some((d) => d.includes(j)) &&
              !newDeps.includes(id),
          );
          const removed = removable.length > 0 ? removable[remove % removable.length]! : null;
          const changes: Modification[] = [
            { op: 'add_task', task: task({ id: 'new', agent: 'b', depends_on: newDeps }) },
            ...(removed === null ? [] : [{ op: 'remove_task' as const, task: removed }]),
          ];
          const ended = sim.ended;
          const problems = modify(sim, changes);
          sim.drive((d) => ({ output: d.key }));
          expect(sim.state.status).toBe('completed');
          if (ended) {
            expect(problems.map((p) => p.index)).toEqual([-1]);
            return;
          }
          applied++;
          expect(problems).toEqual([]);
          const expected = [...ids.filter((id) => id !== removed), 'new'];
          expect(sim.dispatches.map((d) => d.task).sort()).toEqual(expected.sort());
          const completedAt = new Map(sim.entries('TaskCompleted').map((e) => [e.key, e.seq]));
          const dispatchedNew = sim.entries('TaskDispatched').find((e) => e.task === 'new')!;
          for (const dep of newDeps) expect(completedAt.get(dep)!).toBeLessThan(dispatchedNew.seq);
          expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
        },
      ),
      { numRuns: 200 },
    );
    // The property is about applied changes: most generated cases must get that far.
    expect(applied).toBeGreaterThan(50);
  });
});
