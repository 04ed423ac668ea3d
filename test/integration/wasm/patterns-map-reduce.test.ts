// The map_reduce plugin run by the engine (real SQLite, the sandbox pool, in-process agents): the map
// task's list split into chunks delegated to the mapper agents in turn, in parallel; the reduce task
// gets every chunk's result in order; a chunk answering { error } is retried on the next mapper,
// skipped, or fails the run, as configured.

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

const LINES = [
  'the quick brown fox',
  'jumps over the lazy dog',
  'the dog sleeps',
  'a fox runs',
  'over and over',
  'the end',
  'brown bread',
];

/** The map task's agent: lists the lines (it runs once: the pattern gets the chunks' results, ABI 1.1). */
const lister = ({ input }: HandlerContext) => ({
  items: (input as { input: { lines: string[] } }).input.lines,
});

interface Chunk {
  chunk: string[];
  chunk_index: number;
  chunks: number;
  offset: number;
}

/** A mapper: counts the words of its chunk; `seen` records which chunks reached which agent. */
const counter =
  (name: string, seen: Array<[string, number]>, fails: (c: Chunk) => boolean = () => false) =>
  ({ input }: HandlerContext) => {
    const c = input as Chunk;
    seen.push([name, c.chunk_index]);
    if (fails(c)) return { error: `${name} cannot read chunk ${c.chunk_index}` };
    const counts: Record<string, number> = {};
    for (const line of c.chunk) for (const w of line.split(' ')) counts[w] = (counts[w] ?? 0) + 1;
    return { counts, lines: c.chunk.length };
  };

/** The reducer: sums the chunks' counts (a skipped chunk's result is null). */
const summer = ({ input }: HandlerContext) => {
  const m = (input as { map: { results: Array<{ counts: Record<string, number> } | null> } }).map;
  const total: Record<string, number> = {};
  for (const r of m.results)
    for (const [w, n] of Object.entries(r?.counts ?? {})) total[w] = (total[w] ?? 0) + n;
  return total;
};

const wordCount = (lines: string[]) => {
  const total: Record<string, number> = {};
  for (const line of lines) for (const w of line.split(' ')) total[w] = (total[w] ?? 0) + 1;
  return total;
};

const job = (config: Record<string, unknown>) =>
  workflow({
    orchestration_pattern: 'map_reduce',
    pattern_config: { mappers: ['m1', 'm2'], chunk_size: 2, ...config },
    agents: agents('lister', 'm1', 'm2', 'summer'),
    tasks: [
      { id: 'map', agent: 'lister' },
      { id: 'reduce', agent: 'summer', depends_on: ['map'] },
    ],
  });

describe('map_reduce plugin', () => {
  it('maps chunks on the mappers in turn, in parallel, and the reducer gets every result in order', async () => {
    engine = new PatternEngine(plugins, pool);
    const seen: Array<[string, number]> = [];
    let mapped: unknown;
    const app = await engine.open({
      lister,
      m1: counter('m1', seen),
      m2: counter('m2', seen),
      summer: (ctx: HandlerContext) => {
        mapped = (ctx.input as { map: unknown }).map;
        return summer(ctx);
      },
    });
    const run = await app.engine.start(job({}), { lines: LINES });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ reduce: wordCount(LINES) });
    // 7 lines in chunks of 2: 4 chunks, alternating between the two mappers.
    expect(seen.sort((a, b) => a[1] - b[1])).toEqual([
      ['m1', 0],
      ['m2', 1],
      ['m1', 2],
      ['m2', 3],
    ]);
    expect(mapped).toMatchObject({ items: 7, chunks: 4, skipped: [], retried: 0 });
    expect((mapped as { results: Array<{ lines: number }> }).results.map((r) => r.lines)).toEqual([
      2, 2, 2, 1,
    ]);
    const journal = await engine.journal(run.runId);
    // map, its chunks (journaled in whatever order the mappers' instances free up), reduce: the map
    // task runs once, the chunks' results going to the pattern (the `delegated` trigger).
    const keys = dispatched(journal);
    expect(keys.filter((k) => !k.includes('/delegate'))).toEqual(['map', 'reduce']);
    expect(keys.filter((k) => k.includes('/delegate')).sort()).toEqual([
      'map/delegate[0]',
      'map/delegate[1]',
      'map/delegate[2]',
      'map/delegate[3]',
    ]);
    const lastChunk = Math.max(...keys.map((k, i) => (k.includes('/delegate') ? i : -1)));
    expect(keys.indexOf('reduce')).toBeGreaterThan(lastChunk);
    expect(verdicts(journal)).toEqual(['delegate', 'continue']);
  });

  it('carries items and mapper results with newlines, quotes, backslashes and tabs intact', async () => {
    engine = new PatternEngine(plugins, pool);
    const items = ['line1\nline2', '\t"q"\\', 'plain'];
    const echo = ({ input }: HandlerContext) => ({ echo: (input as Chunk).chunk, note: 'a\n"b"\\' });
    const app = await engine.open({
      lister,
      m1: echo,
      m2: echo,
      summer: ({ input }: HandlerContext) => {
        const m = (input as { map: { results: Array<{ echo: string[]; note: string }> } }).map;
        return { lines: m.results.flatMap((r) => r.echo), notes: m.results.map((r) => r.note) };
      },
    });
    const run = await app.engine.start(job({}), { lines: items });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ reduce: { lines: items, notes: ['a\n"b"\\', 'a\n"b"\\'] } });
  });

  it('grows the chunks to stay within max_chunks', async () => {
    engine = new PatternEngine(plugins, pool);
    const seen: Array<[string, number]> = [];
    const app = await engine.open({ lister, m1: counter('m1', seen), m2: counter('m2', seen), summer });
    const run = await app.engine.start(job({ chunk_size: 1, max_chunks: 3 }), { lines: LINES });
    const final = await app.engine.settled(run.runId);
    expect(final.output).toEqual({ reduce: wordCount(LINES) });
    expect(seen).toHaveLength(3); // 7 items, at most 3 chunks: chunks of 3, 3 and 1
  });

  it('retries a failed chunk on the next mapper', async () => {
    engine = new PatternEngine(plugins, pool);
    const seen: Array<[string, number]> = [];
    const app = await engine.open({
      lister,
      m1: counter('m1', seen, (c) => c.chunk_index === 2),
      m2: counter('m2', seen),
      summer,
    });
    const run = await app.engine.start(job({}), { lines: LINES });
    const final = await app.engine.settled(run.runId);
    expect(final.output).toEqual({ reduce: wordCount(LINES) });
    expect(seen.filter(([, k]) => k === 2)).toEqual([
      ['m1', 2],
      ['m2', 2],
    ]);
    const journal = await engine.journal(run.runId);
    expect(verdicts(journal)).toEqual(['delegate', 'delegate', 'continue']);
    // The retry joins the same round's delegations, numbered on after the 4 chunks.
    expect(dispatched(journal)).toContain('map/delegate[4]');
    expect(dispatched(journal).filter((k) => k.startsWith('map@'))).toEqual([]);
  });

  it('skips a failed chunk when told to: the reducer gets null in its place', async () => {
    engine = new PatternEngine(plugins, pool);
    const seen: Array<[string, number]> = [];
    let mapped: unknown;
    const app = await engine.open({
      lister,
      m1: counter('m1', seen, (c) => c.chunk_index === 0),
      m2: counter('m2', seen),
      summer: (ctx: HandlerContext) => {
        mapped = (ctx.input as { map: unknown }).map;
        return summer(ctx);
      },
    });
    const run = await app.engine.start(job({ on_chunk_failure: 'skip' }), { lines: LINES });
    const final = await app.engine.settled(run.runId);
    expect(final.output).toEqual({ reduce: wordCount(LINES.slice(2)) });
    expect(mapped).toMatchObject({ skipped: [0], retried: 0 });
    expect((mapped as { results: unknown[] }).results[0]).toBeNull();
    expect(seen).toHaveLength(4);
  });

  it('fails the run on a failed chunk when told to, and after max_retries otherwise', async () => {
    engine = new PatternEngine(plugins, pool);
    const seen: Array<[string, number]> = [];
    const app = await engine.open({
      lister,
      m1: counter('m1', seen, (c) => c.chunk_index === 1),
      m2: counter('m2', seen, (c) => c.chunk_index === 1),
      summer,
    });
    const strict = await app.engine.start(job({ on_chunk_failure: 'fail' }), { lines: LINES });
    expect((await app.engine.settled(strict.runId)).error).toEqual({
      code: 'BATON_E_MAP_CHUNK_FAILED',
      message: 'map: a chunk failed: chunk 1 on "m2": {"error":"m2 cannot read chunk 1"}',
      key: 'map',
    });
    const retried = await app.engine.start(job({ max_retries: 2 }), { lines: LINES });
    expect((await app.engine.settled(retried.runId)).error).toEqual({
      code: 'BATON_E_MAP_CHUNK_FAILED',
      message: 'map: a chunk failed (after 2 retries): chunk 1 on "m2": {"error":"m2 cannot read chunk 1"}',
      key: 'map',
    });
    const journal = await engine.journal(retried.runId);
    expect(verdicts(journal)).toEqual(['delegate', 'delegate', 'delegate', 'fail']);
  });

  it('fails the run when the map task does not answer a list', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      lister: () => ({ items: ['a b'] }),
      m1: counter('m1', []),
      m2: counter('m2', []),
      summer,
    });
    const notList = await app.engine.start(job({ items_field: 'lines' }), {});
    expect((await app.engine.settled(notList.runId)).error).toMatchObject({
      code: 'BATON_E_PATTERN_OUTPUT',
      message: 'map: the map task must answer a list, or an object whose "lines" is a list',
    });
  });

  it('refuses configs that do not fit, before any agent runs', async () => {
    engine = new PatternEngine(plugins, pool);
    const seen: Array<[string, number]> = [];
    const app = await engine.open({ lister, m1: counter('m1', seen), m2: counter('m2', seen), summer });
    for (const [config, message] of [
      [{ mappers: [] }, 'pattern_config.mappers is required: the agents the chunks go to'],
      [
        { mappers: ['m1', 'ghost'] },
        'pattern_config.mappers[1] names "ghost", which is not a declared agent',
      ],
      [{ chunk_size: 0 }, 'pattern_config.chunk_size: expected an integer of at least 1'],
      [{ on_chunk_failure: 'ignore' }, 'pattern_config.on_chunk_failure: expected "retry", "skip" or "fail"'],
      [{ map: 'nope' }, 'pattern_config.map names "nope", which is not a task'],
    ] as const) {
      // pattern_init's refusal rejects the start: no run exists.
      await expect(app.engine.start(job(config), { lines: LINES })).rejects.toMatchObject({
        code: 'BATON_E_PATTERN_CONFIG',
        message: `map_reduce: ${message}`,
      });
    }
    expect(seen).toEqual([]);
  });
});
