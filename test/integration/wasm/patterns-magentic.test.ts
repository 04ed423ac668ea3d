// The magentic plugin through the engine (SQLite, in-process agents, sandboxed plugin): the planner's
// ledgers, the specialists it instructs, stalls and re-plans, and each way a run ends (satisfied, out of
// rounds, out of re-plans, the planner failing) plus the configs it refuses before a run exists.

import { describe, expect, it } from 'vitest';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { teamWorkflow as workflow, usePatternEngines } from './patterns-harness.js';

const engine = usePatternEngines(['magentic']);

interface Entry {
  round: number;
  task?: string;
  agent?: string;
  next?: string;
  instruction?: string;
  output?: Record<string, unknown>;
  error?: unknown;
  note?: string;
  replan?: number;
  reason?: string;
  stalled?: boolean;
}
/** What the planner's turns after the first receive (besides its own `input`). */
interface PlannerInput {
  input: { numbers?: number[] };
  round?: number;
  max_rounds?: number;
  replan?: boolean;
  team?: Array<{ task: string; agent: string; capabilities: string[] }>;
  task_ledger?: { facts: string[]; plan: string[] } | null;
  progress_ledger?: Record<string, unknown> | null;
  last?: Entry | null;
  history?: Entry[];
  stalls?: number;
  replans?: number;
}
interface Result {
  answer: unknown;
  task_ledger: { facts: string[]; plan: string[] };
  progress_ledger: Record<string, unknown>;
  rounds: number;
  stalls: number;
  replans: number;
  history: Entry[];
}
const resultOf = (output: unknown): Result => (output as { magentic: Result }).magentic;

const tasks = (ids: string[]) => ids.map((id) => ({ id, agent: id }));
const team = ['planner', 'squarer', 'adder'];

/** Specialists that compute: squares of `args.numbers`, and their sum. */
const squarer: AgentHandler = ({ input }) => {
  const { args } = input as { args: { numbers: number[] } };
  return { squares: args.numbers.map((n) => n * n) };
};
const adder: AgentHandler = ({ input }) => {
  const { args } = input as { args: { numbers: number[] } };
  return { sum: args.numbers.reduce((a, b) => a + b, 0) };
};

const going = { satisfied: false, progress: true, in_loop: false };
const LEDGER = { facts: ['the numbers are given in the request'], plan: ['square each', 'add the squares'] };

/** Plans "sum of squares" and follows its plan by what the last specialist returned. */
const planner: AgentHandler = ({ input }) => {
  const i = input as PlannerInput;
  if (i.task_ledger === undefined)
    return {
      ...LEDGER,
      ...going,
      next: 'squarer',
      instruction: 'square each number',
      args: { numbers: i.input.numbers },
    };
  const out = i.last!.output!;
  if (i.last!.agent === 'squarer')
    return { ...going, next: 'adder', instruction: 'add the squares', args: { numbers: out.squares } };
  return { satisfied: true, progress: true, in_loop: false, answer: out.sum, reason: 'summed' };
};

describe('magentic plugin', () => {
  it('satisfied: the planner plans, instructs each specialist in turn and answers with their result', async () => {
    const seen: unknown[] = [];
    const e = await engine({
      planner: (ctx) => {
        seen.push(ctx.input);
        return planner(ctx);
      },
      squarer: (ctx) => {
        seen.push(ctx.input);
        return squarer(ctx);
      },
      adder,
    });
    const final = await e.run(workflow('magentic', team, tasks(team)), { numbers: [3, 4, 5] });
    expect(final.status).toBe('completed');
    const r = resultOf(final.output);
    expect(r).toMatchObject({ answer: 50, rounds: 3, stalls: 0, replans: 0, task_ledger: LEDGER });
    expect(r.progress_ledger).toEqual({
      satisfied: true,
      progress: true,
      in_loop: false,
      answer: 50,
      reason: 'summed',
    });
    expect(r.history.map((h) => [h.round, h.agent, h.instruction, h.output, h.stalled])).toEqual([
      [1, 'squarer', 'square each number', { squares: [9, 16, 25] }, false],
      [2, 'adder', 'add the squares', { sum: 50 }, false],
    ]);
    expect(await e.dispatched(final.runId)).toEqual([
      'planner',
      'squarer',
      'planner@2',
      'adder',
      'planner@3',
    ]);
    const verdicts = await e.verdicts(final.runId);
    expect(verdicts.map(([k, op]) => [k, op])).toEqual([
      ['planner', 'handoff'],
      ['squarer', 'handoff'],
      ['planner@2', 'handoff'],
      ['adder', 'handoff'],
      ['planner@3', 'complete'],
    ]);
    expect(verdicts.at(-1)![2]).toBe('satisfied');
    // The specialist gets its instruction, its args, the round and the task ledger.
    expect(seen[1]).toEqual({
      input: { numbers: [3, 4, 5] },
      instruction: 'square each number',
      args: { numbers: [3, 4, 5] },
      round: 1,
      ...LEDGER,
    });
    // The planner's second turn: the ledgers, the team and what the squarer returned.
    expect(seen[2]).toMatchObject({
      round: 2,
      max_rounds: 20,
      replan: false,
      team: [
        { task: 'squarer', agent: 'squarer', capabilities: ['talk'] },
        { task: 'adder', agent: 'adder', capabilities: ['talk'] },
      ],
      task_ledger: LEDGER,
      progress_ledger: { ...going, next: 'squarer' },
      last: { round: 1, task: 'squarer', output: { squares: [9, 16, 25] } },
      stalls: 0,
      replans: 0,
    });
  });

  it('specialist errors are stalls the planner is told of; max_stalls of them make it re-plan', async () => {
    const replanInputs: PlannerInput[] = [];
    // The planner insists on the flaky reader until it is asked to re-plan, then routes to the backup.
    const stubborn: AgentHandler = ({ input }) => {
      const i = input as PlannerInput;
      if (i.replan) {
        replanInputs.push(i);
        return {
          facts: ['the reader is down'],
          plan: ['ask the backup'],
          ...going,
          next: 'backup',
          instruction: 'fetch',
        };
      }
      if (i.task_ledger === undefined)
        return { facts: [], plan: ['ask the reader'], ...going, next: 'reader', instruction: 'fetch' };
      if (i.last!.error !== undefined)
        return {
          satisfied: false,
          progress: false,
          in_loop: false,
          next: 'reader',
          instruction: 'fetch again',
        };
      return { satisfied: true, progress: true, in_loop: false, answer: i.last!.output };
    };
    const e = await engine({
      planner: stubborn,
      reader: () => ({ error: { code: 'unavailable', message: 'the archive is offline' } }),
      backup: () => ({ rows: 12 }),
    });
    const final = await e.run(
      workflow('magentic', ['planner', 'reader', 'backup'], tasks(['planner', 'reader', 'backup'])),
    );
    expect(final.status).toBe('completed');
    const r = resultOf(final.output);
    expect(r).toMatchObject({ answer: { rows: 12 }, rounds: 4, stalls: 3, replans: 1 });
    expect(r.task_ledger).toEqual({ facts: ['the reader is down'], plan: ['ask the backup'] });
    // reader errs (1), the planner sees no progress (2), reader errs again (3): re-plan.
    expect(await e.dispatched(final.runId)).toEqual([
      'planner',
      'reader',
      'planner@2',
      'reader@2',
      'planner@3',
      'backup',
      'planner@4',
    ]);
    const verdicts = await e.verdicts(final.runId);
    expect(verdicts.map(([k, op, why]) => [k, op, why])).toEqual([
      ['planner', 'handoff', undefined],
      ['reader', 'handoff', 'specialist_error'],
      ['planner@2', 'handoff', 'stalled'],
      ['reader@2', 'handoff', 'replan: 3 stalls in a row'],
      ['planner@3', 'handoff', undefined],
      ['backup', 'handoff', undefined],
      ['planner@4', 'complete', 'satisfied'],
    ]);
    expect(replanInputs).toHaveLength(1);
    expect(replanInputs[0]).toMatchObject({
      round: 3,
      replan: true,
      stalls: 0,
      replans: 1,
      task_ledger: { facts: [], plan: ['ask the reader'] },
      last: { round: 2, agent: 'reader', error: { message: 'the archive is offline' }, stalled: true },
    });
    expect(
      replanInputs[0]!.history!.map((h) => [h.round, h.agent ?? null, h.stalled ?? null, h.replan ?? null]),
    ).toEqual([
      [1, 'reader', true, null],
      [2, 'reader', true, null],
      [2, null, null, 1],
    ]);
  });

  it('a next that names no specialist is a stall noted in the history, and the planner is asked again', async () => {
    const notes: Array<Entry | null | undefined> = [];
    const e = await engine({
      planner: ({ input }) => {
        const i = input as PlannerInput;
        notes.push(i.last);
        if (i.task_ledger === undefined) return { ...LEDGER, ...going, next: 'cuber', instruction: 'cube 2' };
        if (i.last!.note !== undefined)
          return { ...going, next: 'squarer', instruction: 'square 2', args: { numbers: [2] } };
        return { satisfied: true, progress: true, in_loop: false, answer: i.last!.output };
      },
      squarer,
    });
    const final = await e.run(workflow('magentic', ['planner', 'squarer'], tasks(['planner', 'squarer'])));
    expect(final.status).toBe('completed');
    const r = resultOf(final.output);
    expect(r).toMatchObject({ answer: { squares: [4] }, rounds: 3, stalls: 1, replans: 0 });
    expect(r.history[0]).toEqual({
      round: 1,
      next: 'cuber',
      instruction: 'cube 2',
      note: '"cuber" is not on the team: one of ["squarer"]',
      stalled: true,
    });
    expect(notes[1]).toEqual(r.history[0]);
    expect(await e.dispatched(final.runId)).toEqual(['planner', 'planner@2', 'squarer', 'planner@3']);
    expect((await e.verdicts(final.runId))[0]).toEqual(['planner', 'rerun', 'unknown_next']);
  });

  it('fails with BATON_E_MAGENTIC_ROUNDS when the planner is not satisfied within max_rounds', async () => {
    const e = await engine({
      planner: ({ input }) => ({
        ...((input as PlannerInput).task_ledger === undefined ? LEDGER : {}),
        ...going,
        next: 'adder',
        instruction: 'add',
        args: { numbers: [1] },
      }),
      adder,
    });
    const final = await e.run(
      workflow('magentic', ['planner', 'adder'], tasks(['planner', 'adder']), { max_rounds: 3 }),
    );
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe('BATON_E_MAGENTIC_ROUNDS');
    expect(final.error?.message).toBe(
      'planner@3: not satisfied after 3 rounds (pattern_config.max_rounds: 3); last step: round 3, next "adder": "add"',
    );
    // Three planner turns, and the adder only between them: no specialist runs after the last round.
    expect(await e.dispatched(final.runId)).toEqual([
      'planner',
      'adder',
      'planner@2',
      'adder@2',
      'planner@3',
    ]);
  });

  it('fails with BATON_E_MAGENTIC_REPLANS when it stalls again with no re-plan left', async () => {
    const e = await engine({
      planner: () => ({
        ...LEDGER,
        satisfied: false,
        progress: false,
        in_loop: true,
        next: 'adder',
        instruction: 'x',
      }),
      adder,
    });
    const final = await e.run(
      workflow('magentic', ['planner', 'adder'], tasks(['planner', 'adder']), {
        max_stalls: 1,
        max_replans: 1,
      }),
    );
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe('BATON_E_MAGENTIC_REPLANS');
    expect(final.error?.message).toBe(
      'planner@2: 1 stalls in a row after 1 re-plan(s): no re-plan left (pattern_config.max_replans: 1); ' +
        'last step: round 2, next "adder": "x"',
    );
    expect(await e.dispatched(final.runId)).toEqual(['planner', 'planner@2']);
  });

  it('with max_replans 0, the stalls of a failing specialist fail the run, naming its error', async () => {
    const e = await engine({
      planner: ({ input }) => ({
        ...((input as PlannerInput).task_ledger === undefined ? LEDGER : {}),
        satisfied: false,
        progress: (input as PlannerInput).last === undefined,
        in_loop: false,
        next: 'reader',
        instruction: 'read',
      }),
      reader: () => ({ error: 'disk offline' }),
    });
    const final = await e.run(
      workflow('magentic', ['planner', 'reader'], tasks(['planner', 'reader']), { max_replans: 0 }),
    );
    expect(final.error).toMatchObject({
      code: 'BATON_E_MAGENTIC_REPLANS',
      message:
        'reader@2: 3 stalls in a row after 0 re-plan(s): no re-plan left (pattern_config.max_replans: 0); ' +
        'last step: round 2, reader answered the error "disk offline"',
    });
    expect(await e.dispatched(final.runId)).toEqual(['planner', 'reader', 'planner@2', 'reader@2']);
  });

  it('the planner failing fails the run: an { error } answer, a malformed ledger, or a throw', async () => {
    const e = await engine({
      planner: () => ({ error: 'no model available' }),
      adder,
    });
    const wf = workflow('magentic', ['planner', 'adder'], tasks(['planner', 'adder']));
    const answered = await e.run(wf);
    expect(answered.status).toBe('failed');
    expect(answered.error).toMatchObject({
      code: 'BATON_E_MAGENTIC_PLANNER',
      message: 'planner: the planner failed: "no model available"',
    });

    const e2 = await engine({ planner: () => ({ satisfied: false, next: 'adder' }), adder });
    const malformed = await e2.run(wf);
    expect(malformed.error).toMatchObject({
      code: 'BATON_E_PATTERN_OUTPUT',
      message:
        'planner: the planner must answer the task ledger { facts: [...], plan: [...] } with its progress ledger ' +
        'on its first turn and on a re-plan; it answered {"satisfied":false,"next":"adder"}',
    });

    const e3 = await engine({
      planner: () => {
        throw new Error('planner crashed');
      },
      adder,
    });
    const thrown = await e3.run(
      workflow(
        'magentic',
        ['planner', 'adder'],
        [
          { id: 'planner', agent: 'planner', retry: { max_attempts: 1 } },
          { id: 'adder', agent: 'adder' },
        ],
      ),
    );
    expect(thrown.status).toBe('failed');
    expect(thrown.error?.message).toContain('planner crashed');
    expect(await e3.dispatched(thrown.runId)).toEqual(['planner']);
  });

  it('a specialist that throws (after its retries) fails the run: only an { error } answer is a stall', async () => {
    const e = await engine({
      planner,
      squarer: () => {
        throw new Error('squarer out of memory');
      },
    });
    const final = await e.run(
      workflow('magentic', team, [
        { id: 'planner', agent: 'planner' },
        { id: 'squarer', agent: 'squarer', retry: { max_attempts: 2, initial_interval: '10ms' } },
        { id: 'adder', agent: 'adder' },
      ]),
      { numbers: [1] },
    );
    expect(final.status).toBe('failed');
    expect(final.error?.message).toContain('squarer out of memory');
    expect(await e.dispatched(final.runId)).toEqual(['planner', 'squarer', 'squarer']);
  });

  it('carries instructions and results with newlines, quotes, backslashes and tabs intact', async () => {
    const said = 'line1\nline2\t"q"\\ \u0001';
    const e = await engine({
      planner: ({ input }) => {
        const i = input as PlannerInput;
        if (i.task_ledger === undefined)
          return { facts: [said], plan: [said], ...going, next: 'echo', instruction: said };
        return { satisfied: true, progress: true, in_loop: false, answer: i.last!.output };
      },
      echo: ({ input }) => ({ heard: (input as { instruction: string; facts: string[] }).instruction }),
    });
    const final = await e.run(workflow('magentic', ['planner', 'echo'], tasks(['planner', 'echo'])));
    const r = resultOf(final.output);
    expect(r.answer).toEqual({ heard: said });
    expect(r.task_ledger).toEqual({ facts: [said], plan: [said] });
    expect(r.history[0]!.instruction).toBe(said);
  });

  it('refuses a config or a task shape it cannot run, naming the key or task, before a run exists', async () => {
    const e = await engine({});
    const refused = (config: Record<string, unknown>, ids = team, shape?: unknown[]) =>
      expect(e.run(workflow('magentic', ids, shape ?? tasks(ids), config))).rejects;
    await refused({ max_rounds: 0 }).toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'magentic: pattern_config.max_rounds: expected an integer from 1 to 100',
    });
    await refused({ max_stalls: 'many' }).toMatchObject({
      message: 'magentic: pattern_config.max_stalls: expected an integer from 1 to 10',
    });
    await refused({ max_replans: -1 }).toMatchObject({
      message: 'magentic: pattern_config.max_replans: expected an integer from 0 to 10',
    });
    await refused({ planner: 'boss' }).toMatchObject({
      message: 'magentic: pattern_config.planner: no task "boss" in the workflow',
    });
    await refused({ max_round: 3 }).toMatchObject({
      message: 'magentic: pattern_config: Unrecognized key: "max_round"',
    });
    await refused({}, ['planner']).toMatchObject({
      message: 'magentic: a magentic workflow needs at least one specialist task besides the planner',
    });
    await refused({}, team, [
      { id: 'planner', agent: 'planner' },
      { id: 'squarer', agent: 'squarer', depends_on: ['planner'] },
    ]).toMatchObject({
      message:
        'magentic: task "squarer" declares depends_on or when: the planner decides what runs next, not the graph',
    });
    await refused({}, team, [
      { id: 'planner', agent: 'planner' },
      { id: 'square1', agent: 'squarer' },
      { id: 'square2', agent: 'squarer' },
    ]).toMatchObject({
      message:
        'magentic: task "square2" is a second task of agent "squarer": each agent works through one task',
    });
  });

  it('pattern_config.planner picks a planner other than the first task', async () => {
    const e = await engine({ planner, squarer, adder });
    const final = await e.run(
      workflow('magentic', team, tasks(['squarer', 'adder', 'planner']), { planner: 'planner' }),
      { numbers: [1, 2] },
    );
    expect(resultOf(final.output).answer).toBe(5);
    expect((await e.dispatched(final.runId))[0]).toBe('planner');
  });
});
