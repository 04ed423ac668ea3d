// The router plugin run by the engine (real SQLite, the sandbox pool, in-process agents): the
// classifier's category picks exactly one specialist, which gets the input and the classification; an
// unknown category goes to the fallback or fails the run; a specialist that throws for good hands its
// case to the fallback (ABI 1.1 `failed` trigger); a config that does not fit is refused.

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

/** Classifies by keyword, as a real classifier would score a text. */
const classify = ({ input }: HandlerContext) => {
  const text = String((input as { input: { text: string } }).input.text).toLowerCase();
  const category = /refund|invoice|charge/.test(text)
    ? 'billing'
    : /crash|error|bug/.test(text)
      ? 'tech'
      : 'other';
  return { category, words: text.split(/\s+/).length };
};

/** A specialist that proves what it was given: its name, the category, and the text's length. */
const specialist =
  (name: string) =>
  ({ input }: HandlerContext) => {
    const i = input as { input: { text: string }; category: string; classification: { words: number } };
    return {
      handled_by: name,
      category: i.category,
      chars: i.input.text.length,
      words: i.classification.words,
    };
  };

/** The desk workflow; `tech` may carry a retry policy. */
const routed = (config: Record<string, unknown>, techRetry?: Record<string, unknown>) =>
  workflow({
    orchestration_pattern: 'router',
    pattern_config: config,
    agents: agents('classifier', 'billing', 'tech', 'general'),
    tasks: [
      { id: 'classify', agent: 'classifier' },
      { id: 'billing', agent: 'billing' },
      { id: 'tech', agent: 'tech', ...(techRetry ? { retry: techRetry } : {}) },
      { id: 'general', agent: 'general' },
    ],
  });

const handlers = {
  classifier: classify,
  billing: specialist('billing'),
  tech: specialist('tech'),
  general: specialist('general'),
};

describe('router plugin', () => {
  it('runs exactly the specialist the category names, with the input and the classification', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open(handlers);
    const text = 'The app shows an error and then a crash';
    const run = await app.engine.start(
      routed({ routes: { billing: 'billing', tech: 'tech' }, fallback: 'general' }),
      { text },
    );
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({
      tech: { handled_by: 'tech', category: 'tech', chars: text.length, words: text.split(' ').length },
      router: { category: 'tech', route: 'tech', fallback: false },
    });
    const journal = await engine.journal(run.runId);
    expect(dispatched(journal)).toEqual(['classify', 'tech']);
    expect(verdicts(journal)).toEqual(['handoff:tech', 'complete']);
  });

  it('reads the category from a configured field', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      ...handlers,
      classifier: (ctx: HandlerContext) => ({ label: classify(ctx).category, words: 3 }),
    });
    const run = await app.engine.start(
      routed({ routes: { billing: 'billing', tech: 'tech', other: 'general' }, field: 'label' }),
      { text: 'please refund me' },
    );
    const final = await app.engine.settled(run.runId);
    expect(final.output).toEqual({
      billing: { handled_by: 'billing', category: 'billing', chars: 16, words: 3 },
      router: { category: 'billing', route: 'billing', fallback: false },
    });
    expect(dispatched(await engine.journal(run.runId))).toEqual(['classify', 'billing']);
  });

  it('carries a classification and a specialist output with a newline, quote, backslash and tab intact', async () => {
    engine = new PatternEngine(plugins, pool);
    const tricky = 'line1\nline2\t"q"\\';
    const app = await engine.open({
      ...handlers,
      classifier: () => ({ category: 'tech', note: tricky }),
      tech: ({ input }: HandlerContext) => ({
        reply: tricky,
        saw: (input as { classification: { note: string } }).classification.note,
      }),
    });
    const run = await app.engine.start(
      routed({ routes: { billing: 'billing', tech: 'tech' }, fallback: 'general' }),
      { text: tricky },
    );
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({
      tech: { reply: tricky, saw: tricky },
      router: { category: 'tech', route: 'tech', fallback: false },
    });
  });

  it('sends a category without a route to the fallback', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open(handlers);
    const run = await app.engine.start(
      routed({ routes: { billing: 'billing', tech: 'tech' }, fallback: 'general' }),
      { text: 'hello there' },
    );
    const final = await app.engine.settled(run.runId);
    expect(final.output).toMatchObject({
      general: { handled_by: 'general', category: 'other' },
      router: { category: 'other', route: 'general', fallback: true },
    });
    const journal = await engine.journal(run.runId);
    expect(dispatched(journal)).toEqual(['classify', 'general']);
    const decided = journal.find((e) => e.type === 'PatternDecided');
    expect(decided?.type === 'PatternDecided' && decided.decision.reason).toBe(
      'category "other" has no route: fallback',
    );
  });

  it('fails the run, naming the category and the routes, when there is no fallback', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open(handlers);
    const run = await app.engine.start(
      workflow({
        orchestration_pattern: 'router',
        pattern_config: { routes: { billing: 'billing', tech: 'tech' } },
        agents: agents('classifier', 'billing', 'tech'),
        tasks: [
          { id: 'classify', agent: 'classifier' },
          { id: 'billing', agent: 'billing' },
          { id: 'tech', agent: 'tech' },
        ],
      }),
      { text: 'good morning' },
    );
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({
      code: 'BATON_E_ROUTE_UNKNOWN',
      message:
        'classify: category "other" has no route (routes: billing, tech) and pattern_config.fallback is not set',
      key: 'classify',
    });
    expect(dispatched(await engine.journal(run.runId))).toEqual(['classify']);
  });

  it('fails the run when the classifier answers no category', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open({
      ...handlers,
      classifier: () => ({ guess: 42 }),
    });
    const bad = await app.engine.start(
      routed({ routes: { billing: 'billing', tech: 'tech' }, fallback: 'general' }),
      { text: 'x' },
    );
    expect((await app.engine.settled(bad.runId)).error).toMatchObject({
      code: 'BATON_E_PATTERN_OUTPUT',
      message:
        'classify: the classifier must answer a category: a string, or an object whose "category" is a string',
    });
  });

  it('hands the case of a specialist that throws (its retries spent) to the fallback: retry elsewhere', async () => {
    engine = new PatternEngine(plugins, pool);
    let tries = 0;
    const app = await engine.open({
      ...handlers,
      tech: () => {
        tries++;
        throw new Error('tech desk is down');
      },
      general: ({ input }: HandlerContext) => {
        const i = input as { category: string; failed: { route: string; error: { message: string } } };
        return {
          handled_by: 'general',
          category: i.category,
          after: i.failed.route,
          why: i.failed.error.message,
        };
      },
    });
    const run = await app.engine.start(
      routed(
        { routes: { tech: 'tech', billing: 'billing' }, fallback: 'general' },
        { max_attempts: 2, initial_interval: '10ms' },
      ),
      { text: 'a bug' },
    );
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(tries).toBe(2);
    expect(final.output).toEqual({
      general: {
        handled_by: 'general',
        category: 'tech',
        after: 'tech',
        why: expect.stringContaining('tech desk is down') as string,
      },
      router: {
        category: 'tech',
        route: 'general',
        fallback: true,
        failed: {
          route: 'tech',
          agent: 'tech',
          error: {
            code: expect.stringMatching(/^BATON_E_/) as string,
            message: expect.stringContaining('tech desk is down') as string,
          },
          attempts: 2,
        },
      },
    });
    const journal = await engine.journal(run.runId);
    expect(dispatched(journal)).toEqual(['classify', 'tech', 'tech', 'general']);
    expect(verdicts(journal)).toEqual(['handoff:tech', 'handoff:general', 'complete']);
    // The failed trigger's verdict is journaled with its reason.
    const rerouted = journal.filter((e) => e.type === 'PatternDecided')[1];
    expect(rerouted?.type === 'PatternDecided' && rerouted.decision.reason).toMatch(
      /^the specialist "tech" failed \(BATON_E_[A-Z_]+\): fallback$/,
    );
  });

  it("fails the run with the specialist's own coded error when it has no fallback, or is the fallback", async () => {
    engine = new PatternEngine(plugins, pool);
    const down = () => {
      throw new Error('desk is down');
    };
    const app = await engine.open({ ...handlers, tech: down, general: down });
    const bare = await app.engine.start(
      workflow({
        orchestration_pattern: 'router',
        pattern_config: { routes: { billing: 'billing', tech: 'tech' } },
        agents: agents('classifier', 'billing', 'tech'),
        tasks: [
          { id: 'classify', agent: 'classifier' },
          { id: 'billing', agent: 'billing' },
          { id: 'tech', agent: 'tech' },
        ],
      }),
      { text: 'a bug' },
    );
    const noFallback = await app.engine.settled(bare.runId);
    expect(noFallback.status).toBe('failed');
    expect(noFallback.error?.code).toMatch(/^BATON_E_/);
    expect(noFallback.error?.code).not.toBe('BATON_E_ROUTE_UNKNOWN');
    expect(noFallback.error?.message).toMatch(
      /^tech: the specialist "tech" \(agent tech\) failed after 3 attempt\(s\): .*desk is down.* \(pattern_config.fallback is not set\)$/,
    );
    expect(verdicts(await engine.journal(bare.runId))).toEqual(['handoff:tech', 'fail']);

    // (3 attempts: the default retry policy.) Routed to a specialist that fails, then to a fallback that
    // fails too: the run fails, once rerouted. A new engine, so no circuit breaker is left open (with
    // one open the gateway sends a retry to another capable agent).
    await engine.close();
    engine = new PatternEngine(plugins, pool);
    const again = await engine.open({ ...handlers, tech: down, general: down });
    const twice = await again.engine.start(
      routed({ routes: { tech: 'tech', billing: 'billing' }, fallback: 'general' }),
      { text: 'a crash' },
    );
    const final = await again.engine.settled(twice.runId);
    expect(final.status).toBe('failed');
    expect(final.error?.message).toMatch(/^general: the specialist "general" .* \(it is the fallback\)$/);
    const journal = await engine.journal(twice.runId);
    expect(dispatched(journal)).toEqual([
      'classify',
      'tech',
      'tech',
      'tech',
      'general',
      'general',
      'general',
    ]);
    expect(verdicts(journal)).toEqual(['handoff:tech', 'handoff:general', 'fail']);
  });

  it('refuses a config that does not fit the workflow, before any agent runs', async () => {
    engine = new PatternEngine(plugins, pool);
    const app = await engine.open(handlers);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'router: pattern_config.routes is required: a map of category -> task'],
      [
        { routes: { billing: 'nope' } },
        'router: pattern_config.routes.billing names "nope", which is not a task',
      ],
      [
        { routes: { billing: 'classify' } },
        'router: pattern_config.routes.billing names the classifier "classify"',
      ],
      [
        { routes: { billing: 'billing' }, fallback: 'general', extra: 1 },
        'router: pattern_config: Unrecognized key: "extra"',
      ],
      [
        { routes: { billing: 'billing' } },
        'router: task "tech" is neither the classifier nor a route or the fallback',
      ],
    ];
    for (const [config, message] of cases) {
      // pattern_init's refusal rejects the start: no run exists.
      await expect(app.engine.start(routed(config), { text: 'x' })).rejects.toMatchObject({
        code: 'BATON_E_PATTERN_CONFIG',
        message,
      });
    }
    const chained = workflow({
      orchestration_pattern: 'router',
      pattern_config: { routes: { billing: 'billing', tech: 'tech' } },
      agents: agents('classifier', 'billing', 'tech'),
      tasks: [
        { id: 'classify', agent: 'classifier' },
        { id: 'billing', agent: 'billing', depends_on: ['classify'] },
        { id: 'tech', agent: 'tech', depends_on: ['billing'] },
      ],
    });
    await expect(app.engine.start(chained, { text: 'x' })).rejects.toMatchObject({
      message:
        'router: the specialist "tech" depends on "billing": a specialist may depend on the classifier only',
    });
    const conditional = workflow({
      orchestration_pattern: 'router',
      pattern_config: { routes: { billing: 'billing' } },
      agents: agents('classifier', 'billing'),
      tasks: [
        { id: 'classify', agent: 'classifier' },
        { id: 'billing', agent: 'billing', when: 'true' },
      ],
    });
    await expect(app.engine.start(conditional, { text: 'x' })).rejects.toMatchObject({
      message: 'router: the specialist "billing" declares when: the classifier\'s category starts it',
    });
  });

  it('runs a specialist that depends on the classifier once: the handoff starts it, not also the graph', async () => {
    engine = new PatternEngine(plugins, pool);
    const calls: string[] = [];
    const counted =
      (name: string) =>
      (ctx: HandlerContext): unknown => {
        calls.push(name);
        return name === 'classifier' ? classify(ctx) : specialist(name)(ctx);
      };
    const app = await engine.open({
      classifier: counted('classifier'),
      billing: counted('billing'),
      tech: counted('tech'),
      general: counted('general'),
    });
    const spec = workflow({
      orchestration_pattern: 'router',
      pattern_config: { routes: { billing: 'billing', tech: 'tech' }, fallback: 'general' },
      agents: agents('classifier', 'billing', 'tech', 'general'),
      tasks: [
        { id: 'classify', agent: 'classifier' },
        { id: 'billing', agent: 'billing', depends_on: ['classify'] },
        { id: 'tech', agent: 'tech', depends_on: ['classify'] },
        { id: 'general', agent: 'general' },
      ],
    });
    const run = await app.engine.start(spec, { text: 'a crash on start' });
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({
      tech: { handled_by: 'tech', category: 'tech', chars: 16, words: 4 },
      router: { category: 'tech', route: 'tech', fallback: false },
    });
    const journal = await engine.journal(run.runId);
    expect(dispatched(journal)).toEqual(['classify', 'tech']);
    expect(calls).toEqual(['classifier', 'tech']);
  });
});
