// The hierarchical plugin through the engine (SQLite, in-process agents, sandboxed plugin): the top
// supervisor assigns to team leads, the leads to their workers; results and escalations flow up, and
// max_rounds bounds every supervisor.

import { describe, expect, it } from 'vitest';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { teamWorkflow as workflow, usePatternEngines } from './patterns-harness.js';

const engine = usePatternEngines(['hierarchical']);

interface Report {
  team: string;
  status: 'result' | 'escalated';
  reason?: string;
  output: { result?: number; escalate?: string; assign?: unknown };
}
interface LeadInput {
  assignment?: { n: number };
  from?: string;
  results?: Array<{ agent: string; output: { y?: number; escalate?: string } }>;
}

/** Squares its x; refuses (escalates) an x over `limit`. */
const worker =
  (limit = Infinity): AgentHandler =>
  (ctx) => {
    const { x } = ctx.input as { x: number };
    return x > limit ? { escalate: `x=${x} is over ${limit}` } : { y: x * x };
  };

/** A lead: gives worker k the number n+k; sums their answers, or escalates what a worker escalated. */
const lead =
  (workers: string[]): AgentHandler =>
  (ctx) => {
    const i = ctx.input as LeadInput;
    if (i.results === undefined) {
      return { assign: Object.fromEntries(workers.map((w, k) => [w, { x: i.assignment!.n + k }])) };
    }
    const refused = i.results.find((r) => r.output.escalate !== undefined);
    if (refused) return { escalate: `${refused.agent}: ${refused.output.escalate}` };
    return { result: i.results.reduce((sum, r) => sum + r.output.y!, 0) };
  };

/** The top: assigns n to each lead; an escalated team gets n halved; the result is the sum. */
const top: AgentHandler = (ctx) => {
  const { reports } = ctx.input as { reports?: Report[] };
  if (reports === undefined) return { assign: { alpha: { n: 3 }, beta: { n: 12 } } };
  const escalated = reports.filter((r) => r.status === 'escalated');
  if (escalated.length > 0) {
    return { assign: Object.fromEntries(escalated.map((r) => [r.team, { n: 5 }])), seen: reports };
  }
  return { result: reports.reduce((sum, r) => sum + r.output.result!, 0), reports };
};

const agents = ['top', 'alpha', 'beta', 'w1', 'w2', 'w3'];
const tasks = [
  { id: 'top', agent: 'top' },
  { id: 'alpha', agent: 'alpha' },
  { id: 'beta', agent: 'beta' },
];
const teams = { top: ['alpha', 'beta'], alpha: ['w1', 'w2'], beta: ['w3'] };

describe('hierarchical plugin', () => {
  it('delegates down two levels and carries the results up to the top’s result', async () => {
    const e = await engine({
      top,
      alpha: lead(['w1', 'w2']),
      beta: lead(['w3']),
      w1: worker(),
      w2: worker(),
      w3: worker(),
    });
    const final = await e.run(workflow('hierarchical', agents, tasks, { teams }));
    expect(final.error).toBeNull();
    // alpha: 3² + 4² = 25; beta: 12² = 144.
    const out = final.output as { top: { result: number; reports: Report[] } };
    expect(out.top.result).toBe(169);
    expect(out.top.reports).toEqual([
      { team: 'alpha', status: 'result', output: { result: 25 } },
      { team: 'beta', status: 'result', output: { result: 144 } },
    ]);
    expect(await e.dispatched(final.runId)).toEqual([
      'top',
      'alpha',
      'alpha/delegate[0]',
      'alpha/delegate[1]',
      'alpha@2',
      'beta',
      'beta/delegate[0]',
      'beta@2',
      'top@2',
    ]);
  });

  it('carries assignments and results with newlines, quotes, backslashes and tabs intact', async () => {
    const said = 'line1\nline2\t"q"\\';
    const echo: AgentHandler = (ctx) => ({ said: `${(ctx.input as { x: string }).x}\n${said}` });
    const relay =
      (workers: string[]): AgentHandler =>
      (ctx) => {
        const i = ctx.input as {
          assignment?: { text: string };
          results?: Array<{ output: { said: string } }>;
        };
        if (i.results === undefined)
          return { assign: Object.fromEntries(workers.map((w) => [w, { x: i.assignment!.text }])) };
        return { result: i.results.map((r) => r.output.said) };
      };
    const e = await engine({
      top: (ctx) => {
        const { reports } = ctx.input as { reports?: Report[] };
        if (reports === undefined) return { assign: { alpha: { text: said }, beta: { text: said } } };
        return { result: reports.map((r) => r.output.result) };
      },
      alpha: relay(['w1', 'w2']),
      beta: relay(['w3']),
      w1: echo,
      w2: echo,
      w3: echo,
    });
    const final = await e.run(workflow('hierarchical', agents, tasks, { teams }));
    expect(final.error).toBeNull();
    const both = `${said}\n${said}`;
    expect((final.output as { top: unknown }).top).toEqual({ result: [[both, both], [both]] });
  });

  it('carries an escalation up; the top re-plans that team within its rounds', async () => {
    const e = await engine({
      top,
      alpha: lead(['w1', 'w2']),
      beta: lead(['w3']),
      w1: worker(),
      w2: worker(),
      w3: worker(10),
    });
    const final = await e.run(workflow('hierarchical', agents, tasks, { teams, max_rounds: 2 }));
    const out = final.output as { top: { result: number; reports: Report[] } };
    // beta's worker refuses 12; beta escalates; the top gives beta 5: 25 + 25.
    expect(out.top.result).toBe(25);
    expect(out.top.reports).toEqual([{ team: 'beta', status: 'result', output: { result: 25 } }]);
    const verdicts = await e.verdicts(final.runId);
    expect(verdicts.filter(([k]) => k.startsWith('beta'))).toEqual([
      ['beta', 'delegate', 'assign'],
      ['beta@2', 'handoff', 'escalation'],
      ['beta@3', 'delegate', 'assign'],
      ['beta@4', 'handoff', 'report'],
    ]);
  });

  it('bounds a supervisor that never stops assigning: one assign past max_rounds goes up as an escalation', async () => {
    let workerCalls = 0;
    const e = await engine({
      top,
      alpha: lead(['w1', 'w2']),
      beta: () => ({ assign: { w3: { x: 1 } } }),
      w1: worker(),
      w2: worker(),
      w3: (ctx) => {
        workerCalls++;
        return worker()(ctx);
      },
    });
    const final = await e.run(workflow('hierarchical', agents, tasks, { teams, max_rounds: 2 }));
    expect(final.status).toBe('completed');
    // Round 1: beta assigns twice, then is cut off; the top re-plans beta, which is cut off again; the
    // top's third assign is past its own bound, so the run ends with the top's escalation.
    expect(workerCalls).toBe(4);
    const verdicts = await e.verdicts(final.runId);
    expect(verdicts.filter(([, , r]) => r === 'escalation')).toEqual([
      ['beta@3', 'handoff', 'escalation'],
      ['beta@6', 'handoff', 'escalation'],
    ]);
    expect(verdicts.at(-1)).toEqual(['top@3', 'complete', 'rounds_exhausted']);
    // What the top last saw (it re-planned only beta): beta's report, cut off by its bound.
    const seen = (final.output as { top: { seen: Report[] } }).top.seen;
    expect(seen.map((r) => [r.team, r.status, r.reason])).toEqual([
      ['beta', 'escalated', 'rounds_exhausted'],
    ]);
  });

  it('fails the run naming an assign to someone outside the team', async () => {
    const e = await engine({ top: () => ({ assign: { w1: { x: 1 } } }) });
    const final = await e.run(workflow('hierarchical', agents, tasks, { teams }));
    expect(final.error).toMatchObject({
      code: 'BATON_E_PATTERN_OUTPUT',
      message: 'top: assign names "w1", not a member of the team (["alpha","beta"])',
    });
  });

  it('refuses trees it cannot run, naming the problem', async () => {
    const e = await engine({});
    // pattern_init's refusal rejects the start (no run exists): the message it rejects with.
    const run = (config: Record<string, unknown>) =>
      e.run(workflow('hierarchical', agents, tasks, config)).then(
        () => 'started',
        (err: Error) => err.message,
      );
    expect(await run({ teams: { top: ['alpha', 'w1'], alpha: ['w2'], beta: ['w3'] } })).toBe(
      'hierarchical: pattern_config.teams.top: mixes sub-team leads and workers; give the workers a lead of their own',
    );
    expect(await run({ teams: { top: ['alpha'], alpha: ['w1'], beta: ['w3'] } })).toBe(
      'hierarchical: pattern_config.teams: expected one top supervisor (a task no team lists), found ["top","beta"]',
    );
    expect(await run({ teams: { top: ['alpha'], alpha: ['beta'], beta: ['alpha'] } })).toBe(
      'hierarchical: pattern_config.teams.beta: "alpha" already reports to "top"',
    );
    expect(await run({ teams: { top: ['alpha', 'beta'], alpha: ['w1', 'nobody'], beta: ['w3'] } })).toBe(
      'hierarchical: pattern_config.teams.alpha: "nobody" is neither a task (a sub-team lead) nor an agent (a worker)',
    );
  });

  it('a worker that fails after its retries fails the run', async () => {
    const e = await engine({
      top,
      alpha: lead(['w1', 'w2']),
      beta: lead(['w3']),
      w1: worker(),
      w2: () => {
        throw new Error('w2 is down');
      },
    });
    const final = await e.run(workflow('hierarchical', agents, tasks, { teams }));
    expect(final.status).toBe('failed');
    expect(final.error?.message).toContain('w2 is down');
  });
});
