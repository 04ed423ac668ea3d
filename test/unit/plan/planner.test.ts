// The planner: levels, critical path, width, and a 100,000-task chain planned without recursion.
import { describe, expect, it } from 'vitest';
import { BatonError } from '../../../src/errors/registry.js';
import { planWorkflow } from '../../../src/plan/planner.js';
import { chain, workflow } from './helpers.js';

describe('planWorkflow', () => {
  const diamond = workflow([
    { id: 'start', agent: 'a' },
    { id: 'left', agent: 'a', depends_on: ['start'] },
    { id: 'right', agent: 'b', depends_on: ['start'] },
    { id: 'deep', agent: 'b', depends_on: ['right'] },
    { id: 'end', agent: 'a', depends_on: ['left', 'deep'] },
    { id: 'lone', agent: 'b' },
  ]);

  it('layers tasks by their longest dependency chain', () => {
    const plan = planWorkflow(diamond);
    expect(plan.levels).toEqual([['start', 'lone'], ['left', 'right'], ['deep'], ['end']]);
    expect(plan.maxWidth).toBe(2);
    expect(plan.taskCount).toBe(6);
  });

  it('finds the critical path (every task weighing 1)', () => {
    expect(planWorkflow(diamond).criticalPath).toEqual(['start', 'right', 'deep', 'end']);
  });

  it('reports per-agent peak concurrency', () => {
    const plan = planWorkflow(diamond);
    const peak = Object.fromEntries(plan.allocation.agents.map((a) => [a.id, a.peakConcurrency]));
    expect(peak).toEqual({ a: 1, b: 1 });
  });

  it('refuses a cyclic workflow with BATON_E_CYCLE', () => {
    const tasks = chain(3);
    tasks[0]!.depends_on = ['t2'];
    expect(() => planWorkflow(workflow(tasks))).toThrow(BatonError);
  });

  it('plans a 100,000-task chain without overflowing the stack', () => {
    const plan = planWorkflow(workflow(chain(100_000)));
    expect(plan.levels).toHaveLength(100_000);
    expect(plan.criticalPath).toHaveLength(100_000);
    expect(plan.criticalPath[99_999]).toBe('t99999');
    expect(plan.maxWidth).toBe(1);
  });
});
