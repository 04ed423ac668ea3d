// The pattern examples (examples/patterns/*.yaml) run with the built CLI as a user runs them, with the
// built-in pattern plugins installed in the data dir's plugins folder: what each run answers, which
// agents ran, and what its journal shows the pattern decided.

import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtPatterns } from '../integration/wasm/patterns-harness.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
let plugins: string;
beforeAll(async () => {
  plugins = await builtPatterns();
}, 120_000);
afterAll(() => tmp.cleanup());

interface JournalLine {
  type: string;
  data: Record<string, unknown>;
}

/** Runs an example in a data dir of its own, with `plugin` installed; returns its output and journal. */
async function runExample(file: string, plugin: string, input?: unknown) {
  const dataDir = join(tmp.dir, `${plugin}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(join(dataDir, 'plugins'), { recursive: true });
  cpSync(join(plugins, plugin), join(dataDir, 'plugins', plugin), { recursive: true });
  const args = ['run', `examples/patterns/${file}`, '--data-dir', dataDir];
  const r = await baton(input === undefined ? args : [...args, '--input', JSON.stringify(input)], {
    timeoutMs: 60_000,
  });
  const runId = /run (run_\w+)/.exec(r.stderr)?.[1];
  const events = await baton(['events', runId ?? 'none', '--json', '--data-dir', dataDir]);
  const journal = events.stdout
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JournalLine);
  return { ...r, journal };
}

const dispatched = (journal: JournalLine[]) =>
  journal.filter((e) => e.type === 'TaskDispatched').map((e) => e.data.key as string);

describe('examples/patterns/router.yaml', () => {
  it('routes a conversion to the converter only, and answers it', async () => {
    const r = await runExample('router.yaml', 'router');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // 250 MWh = 250 * 3.6e9 J = 900 GJ
    expect(out).toEqual({
      convert: { answer: 900, from: 'MWh', to: 'GJ', value: 250, factor: 3.6, text: '250 MWh = 900 GJ' },
      router: { category: 'conversion', route: 'convert', fallback: false },
    });
    expect(dispatched(r.journal)).toEqual(['classify', 'convert']);
  });

  it('routes an expression to the calculator, and a free question to the corpus fallback', async () => {
    const calc = await runExample('router.yaml', 'router', { question: '(120 * 4) / 0.9 - 2^3' });
    expect(calc.code, calc.stderr).toBe(0);
    const answer = (JSON.parse(calc.stdout) as { calculate: { answer: number; steps: string[] } }).calculate;
    expect(answer.answer).toBeCloseTo((120 * 4) / 0.9 - 8, 10);
    expect(answer.steps).toEqual([
      '120 * 4 = 480',
      '480 / 0.9 = 533.3333333333334',
      '2 ^ 3 = 8',
      '533.3333333333334 - 8 = 525.3333333333334',
    ]);
    expect(dispatched(calc.journal)).toEqual(['classify', 'calculate']);

    const free = await runExample('router.yaml', 'router', {
      question: 'What limits the round-trip efficiency of pumped hydro?',
    });
    expect(free.code, free.stderr).toBe(0);
    const out = JSON.parse(free.stdout) as {
      lookup: { answer: string; source: { passage_id: string } };
      router: unknown;
    };
    expect(out.router).toEqual({ category: 'question', route: 'lookup', fallback: true });
    expect(out.lookup.source.passage_id).toMatch(/^[a-z-]+#\d+$/);
    expect(out.lookup.answer.toLowerCase()).toMatch(/efficien/);
    expect(dispatched(free.journal)).toEqual(['classify', 'lookup']);
    expect(free.stderr).toContain(
      'router on classify: handoff to lookup (category "question" has no route: fallback)',
    );
  });
});

describe('examples/patterns/reflection.yaml', () => {
  interface Review {
    approved: boolean;
    rounds: number;
    draft: { summary: string; words: number };
    critique: { score: number; missing: string[] };
    history: Array<{ round: number; score: number }>;
  }

  it('revises the summary with the critique until it covers enough key terms, within the word budget', async () => {
    const r = await runExample('reflection.yaml', 'reflection');
    expect(r.code, r.stderr).toBe(0);
    const { review } = JSON.parse(r.stdout) as { review: Review };
    expect(review.approved).toBe(true);
    expect(review.rounds).toBeGreaterThan(1);
    expect(review.history).toHaveLength(review.rounds);
    expect(review.history[0]!.score).toBeLessThan(0.75);
    expect(review.history.at(-1)!.score).toBeGreaterThanOrEqual(0.75);
    expect(review.draft.words).toBeLessThanOrEqual(70);
    // An extractive summary: every sentence of it is in the article.
    const article = readFileSync(join(ROOT, 'examples/corpus/docs/iron-air-batteries.md'), 'utf8').replace(
      /\s+/g,
      ' ',
    );
    for (const sentence of review.draft.summary.split(/(?<=[.!?])\s+(?=[A-Z0-9])/))
      expect(article).toContain(sentence);
    // The second draft was written with the first critique.
    const second = r.journal.find((e) => e.type === 'TaskDispatched' && e.data.key === 'summarize@2');
    expect(second).toBeDefined();
    expect(r.stderr).toContain('reflection on review: rerun summarize (not approved in round 1)');
  });

  it('accepts the last draft unapproved when max_rounds is reached', async () => {
    const r = await runExample('reflection.yaml', 'reflection', {
      doc: 'dinorwig',
      key_terms: 20,
      max_words: 30,
    });
    expect(r.code, r.stderr).toBe(0);
    const { review } = JSON.parse(r.stdout) as { review: Review };
    expect(review).toMatchObject({ approved: false, rounds: 4 });
    expect(review.critique.missing.length).toBeGreaterThan(0);
    expect(dispatched(r.journal).filter((k) => k.startsWith('summarize'))).toEqual([
      'summarize',
      'summarize@2',
      'summarize@3',
      'summarize@4',
    ]);
  });
});

describe('examples/patterns/swarm.yaml', () => {
  interface Decided {
    decision: {
      op: string;
      output: { aggregate: { answer: string; method: string }; swarm: { votes: unknown[] } };
    };
  }
  const verdict = (journal: JournalLine[]) =>
    (journal.find((e) => e.type === 'PatternDecided')!.data as unknown as Decided).decision;

  it('runs three rankers in parallel, takes the article they agree on, and quotes it', async () => {
    const r = await runExample('swarm.yaml', 'swarm');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: { answer: string; source: { passage_id: string } } };
    expect(out.answer.source.passage_id).toMatch(/^sodium-ion-batteries#\d+$/);
    expect(out.answer.answer).toMatch(/sodium/i);
    expect(dispatched(r.journal).sort()).toEqual(['answer', 'rank[0]', 'rank[1]', 'rank[2]']);
    const d = verdict(r.journal);
    expect(d.op).toBe('continue');
    expect(d.output.aggregate.answer).toBe('sodium-ion-batteries');
    expect(d.output.swarm.votes).toEqual([{ answer: 'sodium-ion-batteries', instances: [0, 1, 2] }]);
  });

  it('outvotes the ranker that disagrees', async () => {
    const r = await runExample('swarm.yaml', 'swarm', { question: 'What happened at Moss Landing?' });
    expect(r.code, r.stderr).toBe(0);
    const d = verdict(r.journal);
    const votes = d.output.swarm.votes as Array<{ answer: string; instances: number[] }>;
    expect(votes[0]).toEqual({ answer: 'moss-landing', instances: expect.any(Array) as number[] });
    expect(votes[0]!.instances).toHaveLength(2);
    expect(votes.slice(1).flatMap((v) => v.instances)).toHaveLength(1);
    expect(r.stderr).toContain('swarm on rank: continue (2 of 3 votes)');
    const out = JSON.parse(r.stdout) as { answer: { source: { passage_id: string } } };
    expect(out.answer.source.passage_id).toMatch(/^moss-landing#\d+$/);
  });
});

describe('examples/patterns/map_reduce.yaml', () => {
  /** Words of each corpus article's body (all but its "# Title" line), counted straight from the files. */
  function corpusWords(filter: (id: string, title: string) => boolean): number {
    const dir = join(ROOT, 'examples/corpus/docs');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => {
        const [head, ...body] = readFileSync(join(dir, f), 'utf8').trim().split('\n');
        return { id: f.slice(0, -3), title: head!.replace(/^# /, ''), body: body.join(' ') };
      })
      .filter((d) => filter(d.id, d.title))
      .reduce((s, d) => s + d.body.split(/\s+/).filter((w) => w !== '').length, 0);
  }

  it('maps all 30 articles in 8 chunks over the two counters, in turn, and reduces them into the report', async () => {
    const r = await runExample('map_reduce.yaml', 'map_reduce');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# Corpus statistics \(map_reduce\)/);
    expect(r.stdout).toContain(`30 articles, ${corpusWords(() => true)} words, mapped in 8 chunks.`);
    expect(r.stdout).toMatch(/\| battery \| \d+ \|/);
    const subtasks = r.journal
      .filter((e) => e.type === 'TaskDispatched' && String(e.data.key).startsWith('list/delegate'))
      .map((e) => [e.data.key, e.data.agent])
      // Which chunk goes to which mapper is the pattern's; the order dispatches are journaled in is the
      // scheduler's (a chunk waits while its mapper's instances are busy), so compare by chunk.
      .sort(([a], [b]) => String(a).localeCompare(String(b), 'en', { numeric: true }));
    expect(subtasks).toEqual(
      Array.from({ length: 8 }, (_, k) => [`list/delegate[${k}]`, k % 2 === 0 ? 'counter_a' : 'counter_b']),
    );
    expect(dispatched(r.journal).filter((k) => !k.includes('/'))).toEqual(['list', 'stats']);
  });

  it('follows its inputs: only the articles on a topic, and as many top terms as asked', async () => {
    const r = await runExample('map_reduce.yaml', 'map_reduce', { topic: 'batter', top: 5 });
    expect(r.code, r.stderr).toBe(0);
    const onTopic = (id: string, title: string) => `${id} ${title}`.toLowerCase().includes('batter');
    const count = readdirSync(join(ROOT, 'examples/corpus/docs')).filter((f) => {
      const title = readFileSync(join(ROOT, 'examples/corpus/docs', f), 'utf8')
        .split('\n')[0]!
        .replace(/^# /, '');
      return f.endsWith('.md') && onTopic(f.slice(0, -3), title);
    }).length;
    expect(count).toBeGreaterThan(4);
    expect(r.stdout).toContain(
      `${count} articles, ${corpusWords(onTopic)} words, mapped in ${Math.ceil(count / 4)} chunks.`,
    );
    expect(
      r.stdout
        .split('## Top terms')[1]!
        .split('\n')
        .filter((l) => /^\| \w/.test(l) && !l.startsWith('| term')),
    ).toHaveLength(5);
  });
});
