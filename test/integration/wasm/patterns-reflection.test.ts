// The reflection plugin run by the engine (real SQLite, the sandbox pool, in-process agents): a
// generator and a critic loop, the critique carried into the next draft, until the critic approves or
// max_rounds is reached (then the last draft is accepted unapproved, or the run fails by config).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../../src/agents/handler.js';
import { WorkerPool } from '../../../src/wasm/worker-pool.js';
import { agents, builtPatterns, dispatched, PatternEngine, verdicts, workflow } from './patterns-harness.js';

let plugins: string;
let pool: WorkerPool;
let engine: PatternEngine;
beforeAll(async () => {
  plugins = await builtPatterns();
  pool = new WorkerPool({ size: 2 });
}, 120_000);
afterAll(() => pool.close());
afterEach(() => engine.close());

interface Draft {
  list: number[];
}

/** The generator: one bubble-sort pass over the last draft (the run input's list at first). */
function sortPass(calls: unknown[]) {
  return ({ input }: HandlerContext): Draft => {
    calls.push(input);
    const i = input as { input: { list: number[] }; draft?: Draft };
    const list = [...(i.draft?.list ?? i.input.list)];
    for (let k = 0; k + 1 < list.length; k++) {
      if (list[k]! > list[k + 1]!) [list[k], list[k + 1]] = [list[k + 1]!, list[k]!];
    }
    return { list };
  };
}

/** The critic: counts the inversions left; approves a sorted list; scores 1 - inversions / worst case. */
function inversions({ input }: HandlerContext) {
  const { list } = (input as { write: Draft }).write;
  let left = 0;
  for (let a = 0; a < list.length; a++)
    for (let b = a + 1; b < list.length; b++) if (list[a]! > list[b]!) left++;
  const worst = (list.length * (list.length - 1)) / 2;
  return { approved: left === 0, inversions: left, score: 1 - left / worst };
}

const loop = (config: Record<string, unknown>) =>
  workflow({
    orchestration_pattern: 'reflection',
    pattern_config: config,
    agents: agents('writer', 'critic'),
    tasks: [
      { id: 'write', agent: 'writer' },
      { id: 'check', agent: 'critic', depends_on: ['write'] },
    ],
  });

describe('reflection plugin', () => {
  it('loops until the critic approves, carrying each critique and draft into the next generation', async () => {
    engine = new PatternEngine(plugins, pool);
    const calls: unknown[] = [];
    const app = await engine.open({ writer: sortPass(calls), critic: inversions });
    // Reversed, 6 items: bubble sort needs 5 passes, so the critic approves in round 5.
    const run = await app.engine.start(loop({ max_rounds: 10 }), { list: [6, 5, 4, 3, 2, 1] });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    const out = (final.output as { check: Record<string, unknown> }).check;
    expect(out).toMatchObject({ approved: true, rounds: 5, draft: { list: [1, 2, 3, 4, 5, 6] } });
    expect(out.critique).toEqual({ approved: true, inversions: 0, score: 1 });
    expect(out.history).toEqual([1, 2, 3, 4, 5].map((round) => ({ round, approved: round === 5 })));
    // Round 2's generator got round 1's critique and draft.
    expect(calls[1]).toMatchObject({
      round: 2,
      draft: { list: [5, 4, 3, 2, 1, 6] },
      critique: { approved: false, inversions: 10 },
    });
    const journal = await engine.journal(run.runId);
    expect(dispatched(journal)).toEqual([
      'write',
      'check',
      ...[2, 3, 4, 5].flatMap((r) => [`write@${r}`, `check@${r}`]),
    ]);
    expect(verdicts(journal).filter((v) => v === 'rerun')).toHaveLength(4);
  });

  it('approves by a score threshold, and passes back only the critique field it is told to', async () => {
    engine = new PatternEngine(plugins, pool);
    const calls: unknown[] = [];
    const app = await engine.open({ writer: sortPass(calls), critic: inversions });
    const run = await app.engine.start(
      loop({ approve_field: 'score', threshold: 0.8, critique_field: 'inversions', max_rounds: 10 }),
      { list: [6, 5, 4, 3, 2, 1] },
    );
    const final = await app.engine.settled(run.runId);
    // Inversions after each pass: 10, 6, 3, 1, 0 of 15: the score first reaches 0.8 in round 3 (1 - 3/15).
    expect((final.output as { check: unknown }).check).toMatchObject({
      approved: true,
      rounds: 3,
      critique: 3,
      history: [
        { round: 1, score: 1 - 10 / 15 },
        { round: 2, score: 1 - 6 / 15 },
        { round: 3, score: 1 - 3 / 15 },
      ],
    });
    expect(calls[1]).toMatchObject({ critique: 10, round: 2 });
  });

  it('carries a draft and a critique with newlines, quotes, backslashes and tabs intact', async () => {
    engine = new PatternEngine(plugins, pool);
    const calls: unknown[] = [];
    const app = await engine.open({
      // Each round adds a line to the draft; the critic wants three lines and says so in a quoted note.
      writer: ({ input }: HandlerContext) => {
        calls.push(input);
        const prev = (input as { draft?: { text: string } }).draft?.text;
        return { text: prev === undefined ? 'line1\t"q"\\' : `${prev}\nline${prev.split('\n').length + 1}` };
      },
      critic: ({ input }: HandlerContext) => {
        const lines = (input as { write: { text: string } }).write.text.split('\n');
        return { approved: lines.length === 3, note: `has ${lines.length}\n"need 3"\t\\` };
      },
    });
    const run = await app.engine.start(loop({ max_rounds: 5 }), { list: [] });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect((final.output as { check: unknown }).check).toMatchObject({
      approved: true,
      rounds: 3,
      draft: { text: 'line1\t"q"\\\nline2\nline3' },
      critique: { approved: true, note: 'has 3\n"need 3"\t\\' },
    });
    expect(calls[1]).toMatchObject({
      draft: { text: 'line1\t"q"\\' },
      critique: { note: 'has 1\n"need 3"\t\\' },
    });
  });

  it('stops at max_rounds: accepts the last draft unapproved by default, fails the run when told to', async () => {
    engine = new PatternEngine(plugins, pool);
    const calls: unknown[] = [];
    const app = await engine.open({ writer: sortPass(calls), critic: inversions });
    const run = await app.engine.start(loop({ max_rounds: 2 }), { list: [6, 5, 4, 3, 2, 1] });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect((final.output as { check: unknown }).check).toMatchObject({
      approved: false,
      rounds: 2,
      draft: { list: [4, 3, 2, 1, 5, 6] },
    });
    expect(calls).toHaveLength(2);
    const journal = await engine.journal(run.runId);
    const last = journal.filter((e) => e.type === 'PatternDecided').at(-1);
    expect(last?.type === 'PatternDecided' && last.decision.reason).toBe('rounds_exhausted');

    const strict = await app.engine.start(loop({ max_rounds: 2, on_exhausted: 'fail' }), {
      list: [6, 5, 4, 3, 2, 1],
    });
    expect((await app.engine.settled(strict.runId)).error).toEqual({
      code: 'BATON_E_REFLECTION_ROUNDS',
      message: 'check@2: the critic did not approve within pattern_config.max_rounds (2)',
      key: 'check@2',
    });
  });

  it('fails the run when the critic answers no verdict, and refuses configs that do not fit', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({ writer: sortPass([]), critic: () => ({ looks: 'fine' }) });
    const run = await app.engine.start(loop({}), { list: [2, 1] });
    expect((await app.engine.settled(run.runId)).error).toMatchObject({
      code: 'BATON_E_PATTERN_OUTPUT',
      message: 'check: the critic must answer an object whose "approved" is true or false',
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ critic: 'write' }, 'reflection: pattern_config.critic must be another task than the generator'],
      [
        { generator: 'check', critic: 'write' },
        'reflection: the critic "write" must depend on the generator "check" (depends_on)',
      ],
      [{ max_rounds: 0 }, 'reflection: pattern_config.max_rounds: expected an integer from 1 to 100'],
      [{ threshold: 'high' }, 'reflection: pattern_config.threshold: expected a number'],
      [{ on_exhausted: 'retry' }, 'reflection: pattern_config.on_exhausted: expected "accept" or "fail"'],
    ];
    for (const [config, message] of cases) {
      // pattern_init's refusal rejects the start: no run exists.
      await expect(app.engine.start(loop(config), { list: [1] })).rejects.toMatchObject({
        code: 'BATON_E_PATTERN_CONFIG',
        message,
      });
    }
  });
});
