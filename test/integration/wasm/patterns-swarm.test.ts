// The swarm plugin run by the engine (real SQLite, the sandbox pool, in-process agents): a task fans
// out to many agent instances (each on its own variant, or on a partition), and the aggregate of their
// answers (vote, merge, first success, best score) becomes the task's output, which the graph goes on
// with; instances answering { error } are left out by rule.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../../src/agents/handler.js';
import { WorkerPool } from '../../../src/wasm/worker-pool.js';
import { builtPatterns, dispatched, PatternEngine, verdicts, workflow } from './patterns-harness.js';

let plugins: string;
let pool: WorkerPool;
let engine: PatternEngine;
beforeAll(async () => {
  plugins = await builtPatterns();
  pool = new WorkerPool({ size: 2 });
}, 120_000);
afterAll(() => pool.close());
afterEach(() => engine.close());

const solver = { type: 'solver', capabilities: ['work'], max_instances: 4 };

/** A swarm task fanning out over the run input's `variants`, each instance given its variant. */
const swarm = (config: Record<string, unknown>, extra: unknown[] = []) =>
  workflow({
    orchestration_pattern: 'swarm',
    pattern_config: config,
    agents: { solver, reporter: { type: 'reporter', capabilities: ['work'] } },
    tasks: [
      {
        id: 'solve',
        agent: 'solver',
        parallel: true,
        for_each: 'input.variants',
        input: { variant: 'item', data: 'input.data' },
      },
      ...extra,
    ],
  });

interface Given {
  variant: unknown;
  data: unknown;
}
const given = (ctx: HandlerContext) => ctx.input as Given;

/** Three ways to a median; "middle" forgets to sort first, so it disagrees. */
function median(ctx: HandlerContext) {
  const { variant, data } = given(ctx);
  const xs = data as number[];
  const sorted = [...xs].sort((a, b) => a - b);
  if (variant === 'sort') return { answer: sorted[(sorted.length - 1) / 2], method: variant };
  if (variant === 'rank') {
    const answer = xs.find((m) => xs.filter((x) => x < m).length === (xs.length - 1) / 2);
    return { answer, method: variant };
  }
  return { answer: xs[(xs.length - 1) / 2], method: variant };
}

describe('swarm plugin', () => {
  it('votes: the answer most instances gave wins, and a downstream task gets the aggregate', async () => {
    engine = new PatternEngine(plugins, pool);
    let reported: unknown;
    const app = await engine.open({
      solver: median,
      reporter: ({ input }: HandlerContext) => {
        reported = input;
        return { median: (input as { solve: { aggregate: { answer: number } } }).solve.aggregate.answer };
      },
    });
    const spec = swarm({ aggregate: 'vote', quorum: 2 }, [
      { id: 'report', agent: 'reporter', depends_on: ['solve'] },
    ]);
    const run = await app.engine.start(spec, { variants: ['middle', 'sort', 'rank'], data: [9, 1, 7, 3, 5] });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ report: { median: 5 } });
    expect((reported as { solve: unknown }).solve).toEqual({
      aggregate: { answer: 5, method: 'sort' },
      swarm: {
        strategy: 'vote',
        answer: 5,
        votes: [
          { answer: 5, instances: [1, 2] },
          { answer: 7, instances: [0] },
        ],
        answered: 3,
        failed: [],
      },
    });
    const journal = await engine.journal(run.runId);
    expect(dispatched(journal)).toEqual(['solve[0]', 'solve[1]', 'solve[2]', 'report']);
    expect(verdicts(journal)).toEqual(['continue']);
  });

  it('merges the answers of instances working on partitions, in instance order', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      splitter: ({ input }: HandlerContext) => {
        const { n, parts } = (input as { input: { n: number; parts: number } }).input;
        const size = Math.ceil(n / parts);
        return Array.from({ length: parts }, (_, k) => ({ from: k * size, to: Math.min(n, (k + 1) * size) }));
      },
      solver: ({ input }: HandlerContext) => {
        const { from, to } = (input as { item: { from: number; to: number } }).item;
        const primes: number[] = [];
        for (let n = Math.max(2, from); n < to; n++) {
          let prime = true;
          for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
          if (prime) primes.push(n);
        }
        return primes;
      },
    });
    const spec = workflow({
      orchestration_pattern: 'swarm',
      pattern_config: { task: 'primes', aggregate: 'merge' },
      agents: { splitter: { type: 'splitter', capabilities: [] }, solver },
      tasks: [
        { id: 'split', agent: 'splitter' },
        // parallel without for_each fans out over the dependency's list: one partition per instance
        { id: 'primes', agent: 'solver', depends_on: ['split'], parallel: true },
      ],
    });
    const run = await app.engine.start(spec, { n: 60, parts: 3 });
    const final = await app.engine.settled(run.runId);
    expect(final.output).toEqual({
      primes: {
        aggregate: [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59],
        swarm: { strategy: 'merge', instances: [0, 1, 2], answered: 3, failed: [] },
      },
    });
  });

  it('merges objects key by key, concatenating lists, and leaves out an instance that answered an error', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      solver: (ctx: HandlerContext) => {
        const text = String(given(ctx).variant);
        return text === '' ? { error: 'nothing to read' } : { words: text.split(' '), chars: text.length };
      },
    });
    const run = await app.engine.start(swarm({ aggregate: 'merge' }), {
      variants: ['alpha beta', '', 'gamma'],
      data: null,
    });
    expect((await app.engine.settled(run.runId)).output).toEqual({
      solve: {
        aggregate: { words: ['alpha', 'beta', 'gamma'], chars: 10 },
        swarm: { strategy: 'merge', instances: [0, 2], answered: 3, failed: [1] },
      },
    });
  });

  it('merges answers whose strings and keys hold newlines, quotes, backslashes and tabs intact', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      solver: (ctx: HandlerContext) => {
        const text = String(given(ctx).variant);
        return { lines: text.split('|'), 'first\tline': text };
      },
    });
    const run = await app.engine.start(swarm({ aggregate: 'merge' }), {
      variants: ['line1\nline2|"q"\\', 'tab\there'],
      data: null,
    });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({
      solve: {
        aggregate: { lines: ['line1\nline2', '"q"\\', 'tab\there'], 'first\tline': 'line1\nline2|"q"\\' },
        swarm: { strategy: 'merge', instances: [0, 1], answered: 2, failed: [] },
      },
    });
  });

  it('takes the best score (a tie goes to the earlier instance)', async () => {
    engine = new PatternEngine(plugins, pool);
    // Each instance fits y = k x with its own k; the score is minus the squared error.
    const app = await engine.open({
      solver: (ctx: HandlerContext) => {
        const k = given(ctx).variant as number;
        const pts = given(ctx).data as Array<[number, number]>;
        return { k, score: -pts.reduce((s, [x, y]) => s + (y - k * x) ** 2, 0) };
      },
    });
    const data = [
      [1, 2],
      [2, 4.5],
      [3, 5.5],
    ];
    const run = await app.engine.start(swarm({ aggregate: 'best_score' }), { variants: [1, 2, 3, 2], data });
    const out = (await app.engine.settled(run.runId)).output as {
      solve: { aggregate: { k: number }; swarm: { instance: number; scores: number[] } };
    };
    expect(out.solve.aggregate.k).toBe(2);
    expect(out.solve.swarm.instance).toBe(1);
    expect(out.solve.swarm.scores).toHaveLength(4);
    expect(out.solve.swarm.scores[1]).toBeCloseTo(-0.5, 10);
    expect(out.solve.swarm.scores[3]).toBe(out.solve.swarm.scores[1]);
  });

  it('first success: the first instance that did not answer an error', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      solver: (ctx: HandlerContext) => {
        const host = String(given(ctx).variant);
        return host.startsWith('down')
          ? { error: `${host} refused` }
          : { mirror: host, bytes: host.length * 100 };
      },
    });
    const run = await app.engine.start(swarm({ aggregate: 'first_success' }), {
      variants: ['down-1', 'down-2', 'eu-west', 'us-east'],
      data: null,
    });
    expect((await app.engine.settled(run.runId)).output).toEqual({
      solve: {
        aggregate: { mirror: 'eu-west', bytes: 700 },
        swarm: { strategy: 'first_success', instance: 2, answered: 4, failed: [0, 1] },
      },
    });
  });

  it('fails the run when no instance answered without an error, or the vote misses its quorum', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      solver: (ctx: HandlerContext) =>
        given(ctx).variant === 'down' ? { error: 'down' } : { answer: given(ctx).variant },
    });
    const none = await app.engine.start(swarm({}), { variants: ['down', 'down'], data: null });
    expect((await app.engine.settled(none.runId)).error).toEqual({
      code: 'BATON_E_SWARM_NO_RESULT',
      message: 'solve: none of the 2 instances answered without an error (failed: [0,1])',
      key: 'solve',
    });
    const split = await app.engine.start(swarm({ quorum: 2 }), { variants: ['x', 'y', 'down'], data: null });
    expect((await app.engine.settled(split.runId)).error).toMatchObject({
      code: 'BATON_E_SWARM_NO_RESULT',
      message: 'solve: no answer has the 2 votes pattern_config.quorum needs (best: 1)',
    });
  });

  it('refuses configs that do not fit, and a swarm task that does not fan out', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({ solver: () => ({ answer: 1 }) });
    for (const [config, message] of [
      [
        { aggregate: 'average' },
        'swarm: pattern_config.aggregate: expected one of vote, merge, first_success, best_score',
      ],
      [{ task: 'nope' }, 'swarm: pattern_config.task names "nope", which is not a task'],
      [{ quorum: 0 }, 'swarm: pattern_config.quorum: expected an integer of at least 1'],
    ] as const) {
      // pattern_init's refusal rejects the start: no run exists.
      await expect(app.engine.start(swarm(config), { variants: [1], data: null })).rejects.toMatchObject({
        code: 'BATON_E_PATTERN_CONFIG',
        message,
      });
    }
    const single = workflow({
      orchestration_pattern: 'swarm',
      agents: { solver },
      tasks: [{ id: 'solve', agent: 'solver' }],
    });
    const run = await app.engine.start(single, {});
    expect((await app.engine.settled(run.runId)).error).toMatchObject({
      code: 'BATON_E_PATTERN_OUTPUT',
      message:
        "solve: the swarm task must fan out (parallel, for_each): its output is the list of its instances' answers",
    });
  });
});
