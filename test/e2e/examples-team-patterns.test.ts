// The pattern examples (examples/patterns/*.yaml) run with the built CLI as a user runs them, with the
// pattern plugin built by the project's script and installed in the run's data dir: what each run
// decided and the journal of who the pattern put to work.

import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPatternPlugins } from '../integration/wasm/patterns-harness.js';
import { baton, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Runs examples/patterns/<file> in a data dir of its own with `plugin` (built from plugins/<source>) installed. */
async function runExample(file: string, [source, plugin]: [string, string], input?: unknown) {
  const plugins = await buildPatternPlugins([source]);
  const dataDir = join(tmp.dir, `${file}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dataDir, 'plugins'), { recursive: true });
  cpSync(join(plugins, plugin), join(dataDir, 'plugins', plugin), { recursive: true });
  const args = ['run', `examples/patterns/${file}`, '--data-dir', dataDir];
  const r = await baton(input === undefined ? args : [...args, '--input', JSON.stringify(input)], {
    timeoutMs: 60_000,
  });
  expect(r.code, r.stderr).toBe(0);
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
