// `baton run` of the reference workflow and the commands around a run, as a user runs them.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('baton run', () => {
  const dataDir = join(tmp.dir, 'data');
  let runId = '';

  it('runs the reference research workflow end to end and prints its report', async () => {
    const r = await baton(['run', 'examples/research_and_analysis.yaml', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    runId = /run (run_\w+)/.exec(r.stderr)![1]!;
    expect(r.stdout).toMatch(/^# Research report: How do lithium-ion batteries compare with pumped hydro/);
    expect(r.stdout).toContain('## Statistics');
    expect(r.stdout).toContain('## Sources');
    // One research instance per sub-question, joined before analyze (plain progress lines on stderr).
    expect(r.stderr).toMatch(/research fans out to [3-6] instances/);
    expect(r.stderr.indexOf('analyze completed')).toBeGreaterThan(r.stderr.lastIndexOf('research['));
  });

  it('status --json is the status response, with run_id beside workflow_id and the detail under baton', async () => {
    const r = await baton(['status', runId, '--json', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown> & {
      performance_metrics: Record<string, number>;
      outputs: Record<string, unknown>;
    };
    expect(Object.keys(s).sort()).toEqual([
      'agents',
      'baton',
      'current_phase',
      'outputs',
      'performance_metrics',
      'run_id',
      'status',
      'workflow_id',
    ]);
    // The same outputs `baton events --json` shows in RunCompleted.
    const events = await baton(['events', runId, '--json', '--data-dir', dataDir]);
    const completed = events.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { output?: unknown } })
      .find((e) => e.type === 'RunCompleted');
    expect(s.outputs).toEqual(completed?.data.output);
    expect(Object.keys(s.outputs).length).toBeGreaterThan(0);
    expect(s).toMatchObject({ workflow_id: runId, status: 'completed' });
    expect(s).toMatchObject({ run_id: runId, workflow_id: runId, status: 'completed' });
    expect(s.baton).toEqual({
      run_status: 'completed',
      task_counts: { completed: 4 },
      waits: [],
      compensated: [],
      error: null,
    });
    expect(Object.keys(s.performance_metrics).sort()).toEqual([
      'agents_allocated',
      'coordination_overhead',
      'tasks_completed',
      'total_runtime',
    ]);
    expect(s.performance_metrics.tasks_completed).toBeGreaterThanOrEqual(4);
    expect(s.performance_metrics.coordination_overhead).toBeGreaterThan(0);
    expect(s.performance_metrics.coordination_overhead).toBeLessThan(1);
  });

  it('resume of a completed run exits 0 and prints its report again', async () => {
    const r = await baton(['resume', runId, '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`run ${runId} already completed: nothing to resume`);
    expect(r.stdout).toMatch(/^# Research report: How do lithium-ion batteries compare with pumped hydro/);
  });

  it('lists runs and prints the journal as a timeline', async () => {
    const runs = await baton(['runs', '--data-dir', dataDir]);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+completed\\s+.*research_and_analysis@1\\.0`));
    const events = await baton(['events', runId, '--data-dir', dataDir]);
    const lines = events.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+1\s+\+\s+0\.000s\s+RunStarted\s+run started: research_and_analysis@1\.0/);
    expect(lines.at(-1)).toMatch(/RunCompleted\s+run completed$/);
  });

  it('reports a missing required input before starting anything', async () => {
    const wf = join(tmp.dir, 'needs-input.yaml');
    writeFileSync(
      wf,
      `workflow:
  name: needs
  version: "1"
  inputs: { topic: { required: true, description: "what to write about" } }
  agents: { w: { type: w, endpoint: { module: "${join(ROOT, 'test/fixtures/agents/side-effect.js')}" } } }
  tasks: [{ id: one, agent: w }]
`,
    );
    const r = await baton(['run', wf, '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BATON_E_MISSING_INPUT');
    expect(r.stderr).toContain('"topic" (what to write about)');
    expect((await baton(['run', wf, '--input', '{not json', '--data-dir', dataDir])).code).toBe(2);
    // An @file past 16 MiB (here endless) is a usage error at once, not a read to exhaustion.
    const endless = await baton(['run', wf, '--input', '@/dev/zero', '--data-dir', dataDir]);
    expect(endless.code).toBe(2);
    expect(endless.stderr).toContain(
      'BATON_E_USAGE  --input @/dev/zero: /dev/zero is larger than 16 MiB; a JSON value from a file may be at most that',
    );
  });

  it('waits for a signal sent from another process, and cancels with compensation', async () => {
    const effects = join(tmp.dir, 'effects.log');
    const wf = join(tmp.dir, 'approval.yaml');
    writeFileSync(
      wf,
      `workflow:
  name: approval
  version: "1"
  agents: { w: { type: w, endpoint: { module: "${join(ROOT, 'test/fixtures/agents/side-effect.js')}" } } }
  coordination: { type: hybrid, event_driven: [approvals] }
  tasks:
    - { id: prepare, agent: w, compensate: { agent: w } }
    - { id: ship, agent: w, depends_on: [prepare], wait_for: { channel: approvals, event: approved, timeout: 1m } }
`,
    );
    const env = { ...process.env, BATON_SIDE_EFFECTS: effects };
    const running = baton(['run', wf, '--data-dir', dataDir], { env });
    const id = await executingRun(dataDir, 'approval');
    const sent = await baton(['signal', id, 'approvals:approved', '{"by":"ada"}', '--data-dir', dataDir]);
    expect(sent.code, sent.stderr).toBe(0);
    const done = await running;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('event approvals matched ship');

    // A second run, cancelled while it waits: prepare is compensated.
    const second = baton(['run', wf, '--data-dir', dataDir], { env });
    const id2 = await executingRun(dataDir, 'approval');
    await new Promise((r) => setTimeout(r, 200)); // let `prepare` complete
    expect((await baton(['cancel', id2, '--data-dir', dataDir])).code).toBe(0);
    const cancelled = await second;
    expect(cancelled.code).toBe(1);
    expect(cancelled.stderr).toContain('compensating prepare');
    expect(cancelled.stderr).toContain('cancelled');
  });
});

/** The id of the executing run of `workflow`, once `baton runs` shows it (a run started by another process). */
async function executingRun(dataDir: string, workflow: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const list = await baton(['runs', '--status', 'executing', '--json', '--data-dir', dataDir]);
    const runs = JSON.parse(list.stdout) as Array<{ runId: string; workflowName: string }>;
    const id = runs.find((r) => r.workflowName === workflow)?.runId;
    if (id) return id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no executing run of ${workflow}`);
}
