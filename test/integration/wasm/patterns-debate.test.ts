// The debate plugin through the engine (SQLite, in-process agents, sandboxed plugin): debaters argue in
// rounds seeing each other's last arguments, the judge's verdict ends the debate and is the output, and
// max_rounds bounds a debate that never converges.

import { describe, expect, it } from 'vitest';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { teamWorkflow as workflow, usePatternEngines } from './patterns-harness.js';

const engine = usePatternEngines(['debate']);

interface Argument {
  round: number;
  debater: string;
  argument: { estimate: number };
}
interface DebateInput {
  input: { start: Record<string, number>; tolerance?: number };
  debate?: { round: number; last: Argument[]; final: boolean };
  [task: string]: unknown;
}

/** A debater that starts at its own estimate and moves halfway to the mean of the others' last ones. */
const debater: AgentHandler = (ctx) => {
  const i = ctx.input as DebateInput;
  const mine =
    i.debate?.last.find((a) => a.debater === ctx.taskId)?.argument.estimate ?? i.input.start[ctx.taskId]!;
  const others = (i.debate?.last ?? [])
    .filter((a) => a.debater !== ctx.taskId)
    .map((a) => a.argument.estimate);
  const heard = others.length === 0 ? mine : others.reduce((x, y) => x + y, 0) / others.length;
  return { estimate: (mine + heard) / 2 };
};

/** The judge: a verdict (the mean) once every estimate is within `tolerance` of the others. */
const judge =
  (debaters: string[]): AgentHandler =>
  (ctx) => {
    const i = ctx.input as DebateInput;
    const estimates = debaters.map((d) => (i[d] as { estimate: number }).estimate);
    const spread = Math.max(...estimates) - Math.min(...estimates);
    const mean = estimates.reduce((x, y) => x + y, 0) / estimates.length;
    return { spread, verdict: spread <= (i.input.tolerance ?? 1) ? { estimate: mean } : null };
  };

const debateTasks = (debaters: string[]) => [
  ...debaters.map((id) => ({ id, agent: 'debater' })),
  { id: 'judge', agent: 'judge', depends_on: debaters },
];

describe('debate plugin', () => {
  it('argues in rounds until the judge finds consensus; the verdict is the output', async () => {
    const e = await engine({ debater, judge: judge(['a', 'b', 'c']) });
    const wf = workflow('debate', ['debater', 'judge'], debateTasks(['a', 'b', 'c']), { max_rounds: 10 });
    const final = await e.run(wf, { start: { a: 0, b: 8, c: 16 }, tolerance: 0.5 });
    expect(final.error).toBeNull();
    expect(final.status).toBe('completed');
    const out = final.output as {
      judge: { spread: number; verdict: { estimate: number } };
      debate: { rounds: number; decided_by: string; transcript: Argument[] };
    };
    // Round 1 each debater states its start; then each moves halfway toward the others' mean.
    // Spreads 16 -> 4 -> 1 -> 0.25: round 4 is the first within the tolerance of 0.5.
    expect(out.debate.rounds).toBe(4);
    expect(out.debate.decided_by).toBe('verdict');
    expect(out.judge.verdict.estimate).toBeCloseTo(8);
    expect(out.debate.transcript.map((t) => [t.round, t.debater, t.argument.estimate])).toEqual([
      [1, 'a', 0],
      [1, 'b', 8],
      [1, 'c', 16],
      [2, 'a', 6],
      [2, 'b', 8],
      [2, 'c', 10],
      [3, 'a', 7.5],
      [3, 'b', 8],
      [3, 'c', 8.5],
      [4, 'a', 7.875],
      [4, 'b', 8],
      [4, 'c', 8.125],
    ]);
    expect(await e.verdicts(final.runId)).toContainEqual(['judge@4', 'complete', 'verdict_reached']);
    expect((await e.verdicts(final.runId)).filter((v) => v[1] === 'rerun')).toEqual([
      ['judge', 'rerun', 'no_verdict'],
      ['judge@2', 'rerun', 'no_verdict'],
      ['judge@3', 'rerun', 'no_verdict'],
    ]);
  });

  it('carries arguments and a verdict with newlines, quotes, backslashes and tabs intact', async () => {
    const said = 'line1\nline2\t"q"\\';
    const heard: unknown[] = [];
    const arguer: AgentHandler = (ctx) => {
      const i = ctx.input as DebateInput;
      if (i.debate !== undefined)
        heard.push(i.debate.last.map((a) => (a.argument as unknown as { text: string }).text));
      return { text: `${ctx.taskId}: ${said}` };
    };
    const verdictOf: AgentHandler = (ctx) => {
      const i = ctx.input as DebateInput;
      return { verdict: i.debate === undefined ? null : `${(i.a as { text: string }).text}\n${said}` };
    };
    const e = await engine({ debater: arguer, judge: verdictOf });
    const final = await e.run(
      workflow('debate', ['debater', 'judge'], debateTasks(['a', 'b']), { max_rounds: 3 }),
      { start: {} },
    );
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject({
      judge: { verdict: `a: ${said}\n${said}` },
      debate: { rounds: 2, decided_by: 'verdict' },
    });
    const transcript = (final.output as { debate: { transcript: Array<{ argument: unknown }> } }).debate
      .transcript;
    expect(transcript.map((t) => t.argument)).toEqual(
      ['a', 'b', 'a', 'b'].map((d) => ({ text: `${d}: ${said}` })),
    );
    expect(heard).toEqual([
      [`a: ${said}`, `b: ${said}`],
      [`a: ${said}`, `b: ${said}`],
    ]);
  });

  it('ends at max_rounds with the judge’s last output when no verdict is reached', async () => {
    const stubborn: AgentHandler = (ctx) => ({ estimate: ctx.taskId === 'a' ? 0 : 100 });
    const e = await engine({ debater: stubborn, judge: judge(['a', 'b']) });
    const final = await e.run(
      workflow('debate', ['debater', 'judge'], debateTasks(['a', 'b']), { max_rounds: 2 }),
      {
        start: {},
      },
    );
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject({
      judge: { spread: 100, verdict: null },
      debate: { rounds: 2, decided_by: 'max_rounds' },
    });
    expect(await e.dispatched(final.runId)).toEqual(['a', 'b', 'judge', 'a@2', 'b@2', 'judge@2']);
  });

  it('refuses a judge that does not wait for every debater, naming the fix', async () => {
    const e = await engine({});
    const tasks = [
      { id: 'a', agent: 'debater' },
      { id: 'b', agent: 'debater' },
      { id: 'judge', agent: 'judge', depends_on: ['a'] },
    ];
    // pattern_init's refusal rejects the start: no run exists.
    await expect(e.run(workflow('debate', ['debater', 'judge'], tasks))).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message:
        'debate: judge task "judge" must depend on every debater, to read their arguments each round: add depends_on: ["a","b"]',
    });
  });

  it('a debater that fails after its retries fails the run before the judge is asked', async () => {
    const e = await engine({
      debater: (ctx) => {
        if (ctx.taskId === 'b') throw new Error('b has no argument');
        return { estimate: 1 };
      },
      judge: judge(['a', 'b']),
    });
    const tasks = [
      { id: 'a', agent: 'debater' },
      { id: 'b', agent: 'debater', retry: { max_attempts: 2, initial_interval: '10ms' } },
      { id: 'judge', agent: 'judge', depends_on: ['a', 'b'] },
    ];
    const final = await e.run(workflow('debate', ['debater', 'judge'], tasks), { start: {} });
    expect(final.status).toBe('failed');
    expect(final.error?.message).toContain('b has no argument');
    expect(await e.dispatched(final.runId)).not.toContain('judge');
  });
});
