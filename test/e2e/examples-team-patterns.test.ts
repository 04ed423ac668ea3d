// The pattern examples (examples/patterns/*.yaml) run with the built CLI as a user runs them, with the
// pattern plugin built by the project's script and installed in the run's data dir: what each run
// decided and the journal of who the pattern put to work.

import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPatternPlugins } from '../integration/wasm/patterns-harness.js';
import { baton, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/**
 * Runs examples/patterns/<file> in a data dir of its own with `plugin` (built from plugins/<source>)
 * installed; the CLI must exit with `code` (0: the run completed).
 */
async function runExample(file: string, [source, plugin]: [string, string], input?: unknown, code = 0) {
  const plugins = await buildPatternPlugins([source]);
  const dataDir = join(tmp.dir, `${file}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dataDir, 'plugins'), { recursive: true });
  cpSync(join(plugins, plugin), join(dataDir, 'plugins', plugin), { recursive: true });
  const args = ['run', `examples/patterns/${file}`, '--data-dir', dataDir];
  const r = await baton(input === undefined ? args : [...args, '--input', JSON.stringify(input)], {
    timeoutMs: 60_000,
  });
  expect(r.code, r.stderr).toBe(code);
  const runId = /run (run_\w+)/.exec(r.stderr)![1]!;
  const events = await baton(['events', runId, '--json', '--data-dir', dataDir]);
  const journal = events.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
  return { ...r, journal };
}

interface Turn {
  speaker: string;
  output: { message: string; proposal?: string; verdict?: string };
}

const GROUP_CHAT: [string, string] = ['group-chat', 'group_chat'];

describe('examples/patterns/group_chat.yaml', () => {
  it(
    'argues to an agreement: rejected proposals, an approval, and the secretary’s AGREED ends it',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('group_chat.yaml', GROUP_CHAT);
      const { chat } = JSON.parse(r.stdout) as {
        chat: { transcript: Turn[]; turns: number; ended_by: string };
      };
      expect(chat.ended_by).toBe('phrase');
      expect(chat.transcript.map((t) => t.speaker)).toEqual([
        'proposer',
        'critic',
        'proposer',
        'critic',
        'proposer',
        'critic',
        'secretary',
      ]);
      // 8 h at <= 300 EUR/kWh and >= 60% round trip: the cheaper molten salt and CAES fail on efficiency.
      expect(
        chat.transcript.flatMap((t) => (t.output.verdict ? [[t.output.proposal, t.output.verdict]] : [])),
      ).toEqual([
        ['molten-salt', 'object'],
        ['caes', 'object'],
        ['pumped-hydro', 'approve'],
      ]);
      expect(chat.transcript.at(-1)!.output.message).toBe(
        'AGREED: pumped hydro after 2 rejected proposal(s). 400 MWh cost 60.0 M EUR and return 312 MWh per full cycle.',
      );
      // The chair chose every speaker: one chair turn before each participant turn.
      const dispatched = r.journal.filter((e) => e.type === 'TaskDispatched').map((e) => e.data.task);
      expect(dispatched.filter((t) => t === 'chair')).toHaveLength(7);
    },
  );

  it(
    'takes another brief from --input: a 3-hour store goes to the cheapest battery, sodium-ion, at once',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('group_chat.yaml', GROUP_CHAT, { duration_hours: 3, budget_per_kwh: 320 });
      const { chat } = JSON.parse(r.stdout) as { chat: { transcript: Turn[] } };
      expect(chat.transcript.at(-1)!.output.message).toMatch(/^AGREED: sodium-ion after 0 rejected/);
    },
  );
});

const DEBATE: [string, string] = ['debate', 'debate'];

describe('examples/patterns/debate.yaml', () => {
  it(
    'argues the payback to a consensus; the judge’s report is what the run prints',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('debate.yaml', DEBATE);
      expect(r.stdout).toMatch(
        /^# Debate: does a 10 kWh battery costing 6000 EUR pay back within 10 years\?/,
      );
      expect(r.stdout).toContain(
        'Verdict after round 5: the battery pays back in 16.1 years, outside its 10-year warranty.',
      );
      expect(r.stdout).toContain(
        '| 1 | optimist | 9.3 | The battery pays back in 9.3 years, inside the 10-year warranty. |',
      );
      expect(r.stdout).toContain('| 1 | skeptic | > 30 | The battery never pays back within 30 years. |');
      // Each round: both debaters, then the judge; four judgements without a verdict, then the verdict.
      const verdicts = r.journal.filter(
        (e) => e.type === 'PatternDecided' && String(e.data.key).startsWith('judge'),
      );
      expect(verdicts.map((e) => (e.data.decision as { op: string }).op)).toEqual([
        'rerun',
        'rerun',
        'rerun',
        'rerun',
        'complete',
      ]);
    },
  );

  it(
    'with a tolerance never met, the judge decides in the final round without consensus',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('debate.yaml', DEBATE, { tolerance_years: 0.01 });
      expect(r.stdout).toMatch(
        /Verdict after round 6 \(no consensus; the mean of the positions\): the battery pays back in 16\.\d years/,
      );
    },
  );
});

const HIERARCHICAL: [string, string] = ['hierarchical', 'hierarchical'];

describe('examples/patterns/hierarchical.yaml', () => {
  it(
    'escalates the plan that does not fit the site, re-plans, and decides to build',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('hierarchical.yaml', HIERARCHICAL);
      expect(r.stdout).toBe(
        [
          '# Community battery: build',
          '',
          '1500 kW for 3 h: 5000 kWh (site limit 5000 kWh).',
          'Costs 1650000 EUR and earns 142560 EUR a year: payback in 11.6 years,',
          'before it fades to 80% in 13.3 years.',
          '',
        ].join('\n'),
      );
      const decided = r.journal
        .filter((e) => e.type === 'PatternDecided')
        .map((e) => `${String(e.data.key)} ${(e.data.decision as { op: string; reason?: string }).reason}`);
      expect(decided).toEqual([
        'director assign',
        'tech_lead assign',
        'tech_lead@2 escalation',
        'finance_lead assign',
        'finance_lead@2 report',
        'director@2 assign',
        'tech_lead@3 assign',
        'tech_lead@4 report',
        'finance_lead@3 assign',
        'finance_lead@4 report',
        'director@3 result',
      ]);
      // The workers ran only as the leads' delegated subtasks: two per lead per round.
      const workers = r.journal.filter(
        (e) => e.type === 'TaskDispatched' && String(e.data.key).includes('/delegate['),
      );
      expect(workers).toHaveLength(8);
    },
  );

  it('a narrower price spread makes the director decide against building', { timeout: 120_000 }, async () => {
    const r = await runExample('hierarchical.yaml', HIERARCHICAL, { spread_eur_per_kwh: 0.08 });
    expect(r.stdout).toMatch(/^# Community battery: do not build\n/);
    expect(r.stdout).toContain('payback in 17.4 years,\nafter it fades to 80% in 13.3 years.');
  });
});

const MAGENTIC: [string, string] = ['magentic', 'magentic'];

interface Step {
  round: number;
  agent?: string;
  replan?: number;
  output?: { docs?: unknown[]; figures?: unknown[] };
}

describe('examples/patterns/magentic.yaml', () => {
  it(
    'stalls on its first plan, re-plans to full-text search and ranks ten technologies by efficiency',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('magentic.yaml', MAGENTIC);
      const { magentic } = JSON.parse(r.stdout) as {
        magentic: {
          answer: {
            summary: string;
            ranking: Array<{ title: string; low: number; high: number }>;
            median: number;
          };
          task_ledger: { facts: string[]; plan: string[] };
          rounds: number;
          stalls: number;
          replans: number;
          history: Step[];
        };
      };
      expect(magentic).toMatchObject({ rounds: 8, stalls: 2, replans: 1, answer: { median: 73.75 } });
      // The figures each article quotes, highest first (hydrogen's round trip, not its electrolyser).
      expect(magentic.answer.ranking.map((f) => `${f.title} ${f.low}-${f.high}`)).toEqual([
        'Supercapacitors 95-95',
        'Flywheel Energy Storage 85-90',
        'Gravity Energy Storage 75-90',
        'Lead-Acid Batteries 80-80',
        'Pumped Hydro Storage 70-85',
        'Vanadium Redox Flow Batteries 65-75',
        'Liquid Air Energy Storage 50-60',
        'Compressed Air Energy Storage 42-42',
        'Iron-Air Batteries 40-40',
        'Hydrogen as Long-Duration Energy Storage 30-40',
      ]);
      expect(magentic.answer.summary).toBe(
        '10 technologies ranked by quoted round-trip efficiency: Supercapacitors is highest (95 %), ' +
          'Hydrogen as Long-Duration Energy Storage lowest (35 %), median 73.75 %.',
      );
      // Plan A: titles (one article, no figure), the same article again: two stalls, then plan B.
      expect(magentic.history.map((h) => h.agent ?? `replan ${h.replan}`)).toEqual([
        'librarian',
        'extractor',
        'librarian',
        'replan 1',
        'searcher',
        'extractor',
        'analyst',
      ]);
      expect(magentic.history[1]!.output!.figures).toEqual([]);
      expect(magentic.task_ledger.plan[0]).toBe(
        'searcher: full-text search for "round-trip efficiency percent", 15 passages',
      );
      const decided = r.journal
        .filter((e) => e.type === 'PatternDecided' && String(e.data.key).startsWith('planner'))
        .map((e) => {
          const d = e.data.decision as { op: string; to?: string; reason?: string };
          return `${String(e.data.key)} ${d.op} ${d.to ?? d.reason ?? ''}`.trim();
        });
      expect(decided).toEqual([
        'planner handoff librarian',
        'planner@2 handoff extractor',
        'planner@3 handoff librarian',
        'planner@4 rerun replan: 2 stalls in a row',
        'planner@5 handoff searcher',
        'planner@6 handoff extractor',
        'planner@7 handoff analyst',
        'planner@8 complete satisfied',
      ]);
    },
  );

  it(
    'asking for more sources than the corpus quotes runs into the round bound and fails, coded',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('magentic.yaml', MAGENTIC, { min_sources: 20 }, 1);
      expect(r.stderr).toContain(
        'BATON_E_MAGENTIC_ROUNDS  planner@12: not satisfied after 12 rounds (pattern_config.max_rounds: 12)',
      );
      const planners = r.journal.filter(
        (e) => e.type === 'TaskDispatched' && String(e.data.task) === 'planner',
      );
      expect(planners).toHaveLength(12);
    },
  );

  it('refuses a config it cannot run before a run exists: exit 1, the coded message, no run', async () => {
    const agents = resolve('examples/agents/magentic');
    const file = join(tmp.dir, 'magentic-bad.yaml');
    writeFileSync(
      file,
      readFileSync('examples/patterns/magentic.yaml', 'utf8')
        .replace('max_stalls: 2', 'max_stalls: 0')
        .replaceAll('../agents/magentic', agents),
    );
    const dataDir = join(tmp.dir, 'magentic-bad-data');
    const r = await baton(['run', file, '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'BATON_E_PATTERN_CONFIG  magentic: pattern_config.max_stalls: expected an integer from 1 to 10',
    );
    expect(r.stderr).not.toMatch(/run run_/);
    expect((await baton(['runs', '--data-dir', dataDir])).stdout.trim()).toBe('no runs');
  });
});

interface Said {
  seq: number;
  from: string;
  to: string[];
  message: Record<string, unknown>;
}

describe('examples/patterns/network.yaml', () => {
  it(
    'reconciles the branch ledgers by messages: differences found, corrected, confirmed, then quiescent',
    { timeout: 120_000 },
    async () => {
      const r = await runExample('network.yaml', ['network', 'network']);
      const { network } = JSON.parse(r.stdout) as {
        network: { transcript: Said[]; messages: number; ended_by: string; dropped: number };
      };
      expect(network.ended_by).toBe('quiescence');
      expect(network.dropped).toBe(0);
      const t = network.transcript;
      expect(t[0]).toMatchObject({ from: 'hq', to: ['north', 'south'] });
      // Each branch found its difference: north booked T2 as 205, south never booked T4.
      const reports = (status: string) =>
        Object.fromEntries(t.filter((x) => x.message.status === status).map((x) => [x.from, x.message]));
      expect(reports('differences')).toEqual({
        north: {
          branch: 'north',
          status: 'differences',
          differences: [{ id: 'T2', sent: 250, booked: 205 }],
        },
        south: {
          branch: 'south',
          status: 'differences',
          differences: [{ id: 'T4', sent: 125, booked: null }],
        },
      });
      // ... booked the head office's corrections, and balance at its totals (830 and 525 EUR).
      expect(reports('balanced')).toEqual({
        north: { branch: 'north', status: 'balanced', total: 830, corrected: ['T2'] },
        south: { branch: 'south', status: 'balanced', total: 525, corrected: ['T4'] },
      });
      const confirmed = t
        .filter((x) => x.from === 'hq' && x.message.confirmed !== undefined)
        .reduce((all, x) => ({ ...all, ...(x.message.confirmed as object) }), {});
      expect(confirmed).toEqual({ north: 830, south: 525 });
      // Every delivered message is an event on the ledger channel in the journal, addressed to its peer.
      const events = r.journal.filter((e) => e.type === 'EventReceived');
      expect(events).toHaveLength(network.messages);
      expect(events.every((e) => e.data.channel === 'ledger' && e.data.source === 'pattern:network')).toBe(
        true,
      );
      expect(events.map((e) => e.data.to).sort()).toEqual([
        'hq',
        'hq',
        'hq',
        'hq',
        'north',
        'north',
        'south',
        'south',
      ]);
      // The two branches worked at once: one verdict started both.
      expect(r.stderr).toContain('network on hq: handoff to north, south, 2 event(s)');
    },
  );
});
