// The bundled example workflows run with the built CLI as a user runs them: what their reports say,
// and what their journals show about how the events and the handoffs drove them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface JournalLine {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/** Runs an example in a data dir of its own; returns the run's output and id. */
async function runExample(file: string, dir: string, input?: unknown) {
  const dataDir = join(tmp.dir, dir);
  const args = ['run', `examples/${file}`, '--data-dir', dataDir];
  const r = await baton(input === undefined ? args : [...args, '--input', JSON.stringify(input)]);
  expect(r.code, r.stderr).toBe(0);
  return { ...r, dataDir, runId: /run (run_\w+)/.exec(r.stderr)![1]! };
}

async function journal(runId: string, dataDir: string): Promise<JournalLine[]> {
  const r = await baton(['events', runId, '--json', '--data-dir', dataDir]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as JournalLine);
}

/** The markdown table rows under a heading. */
function tableRows(report: string, heading: string): string[] {
  const section = report.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| ---') && !/^\| (term|unit) /.test(l));
}

describe('examples/events_pipeline.yaml', () => {
  it('ingests, indexes and checks all 30 corpus documents and reports on them', async () => {
    const r = await runExample('events_pipeline.yaml', 'events');
    expect(r.stdout).toMatch(/^# Corpus pipeline report/);
    expect(r.stdout).toContain('30 documents read in 4 batches');
    const terms = tableRows(r.stdout, 'Top terms');
    expect(terms).toHaveLength(12); // inputs.top_terms defaults to 12
    expect(terms.map((row) => row.split(' | ')[0])).toContain('| batteries');
    expect(r.stdout).toContain('- pass: all 30 ingested documents are indexed');
    expect(r.stdout).toMatch(/\d+ figures with units, and \d+ mentions of years from 1\d{3} to 20\d\d/);
    expect(tableRows(r.stdout, 'Numbers found').some((row) => row.startsWith('| MWh |'))).toBe(true);
  });

  it('starts index on the batch_ready event and holds quality until the indexed event', async () => {
    const r = await runExample('events_pipeline.yaml', 'events-journal');
    const entries = await journal(r.runId, r.dataDir);
    const matched = (task: string) =>
      entries.find((e) => e.type === 'EventMatched' && (e.data.tasks as string[]).includes(task));
    const dispatched = (task: string) =>
      entries.find((e) => e.type === 'TaskDispatched' && e.data.task === task);
    const completed = (task: string) =>
      entries.find((e) => e.type === 'TaskCompleted' && e.data.key === task);

    const started = matched('index');
    expect(started?.data.event).toMatchObject({
      channel: 'data_updates',
      name: 'batch_ready',
      data: { documents: 30 },
    });
    expect(dispatched('index')!.seq).toBeGreaterThan(started!.seq);
    expect(started!.seq).toBeGreaterThan(completed('ingest')!.seq);

    const released = matched('quality');
    expect(released?.data.event).toMatchObject({ channel: 'data_updates', name: 'indexed' });
    expect(released!.seq).toBeGreaterThan(completed('index')!.seq);
    expect(dispatched('quality')!.seq).toBeGreaterThan(released!.seq);
  });

  it('follows its inputs: batch size, number of top terms, and the length the quality check expects', async () => {
    const r = await runExample('events_pipeline.yaml', 'events-inputs', {
      batch_size: 7,
      top_terms: 5,
      min_words: 205,
    });
    expect(r.stdout).toContain('30 documents read in 5 batches');
    expect(tableRows(r.stdout, 'Batches').at(-1)).toMatch(/^\| 5 \| 2 \|/);
    expect(tableRows(r.stdout, 'Top terms')).toHaveLength(5);
    // bath-county.md has 201 words in its body: short by this standard.
    expect(r.stdout).toMatch(/- warn: under 205 words: .*bath-county \(201\)/);
  });
});

describe('examples/support_handoff.yaml', () => {
  it('hands the default request from triage to billing to escalation, with the amount the orders table gives', async () => {
    const book = JSON.parse(readFileSync(join(ROOT, 'examples/data/orders.json'), 'utf8')) as {
      orders: Array<{
        id: string;
        items: Array<{ qty: number; unit_price: number }>;
        shipping: number;
        discount: number;
        payments: Array<{ amount: number }>;
      }>;
    };
    const order = book.orders.find((o) => o.id === 'A-1042')!;
    const total = order.items.reduce((s, i) => s + i.qty * i.unit_price, 0) + order.shipping - order.discount;
    const overcharge = order.payments.reduce((s, p) => s + p.amount, 0) - total;
    const amount = `€${overcharge.toLocaleString('en-US', { minimumFractionDigits: 2 })}`;

    const r = await runExample('support_handoff.yaml', 'handoff');
    expect(r.stdout).toMatch(/^# Support case: Hi, I was charged twice for order A-1042/);
    expect(r.stdout).toContain('Route: triage → billing → escalation');
    expect(r.stdout).toMatch(
      /1\. \*\*triage\*\*: Classified the request as billing .* Handed off to \*\*billing\*\*/,
    );
    expect(r.stdout).toContain(`${amount} is above the €500.00 refund limit`);
    expect(r.stdout).toMatch(
      new RegExp(`3\\. \\*\\*escalation\\*\\*: Opened case ESC-A-1042 .* of ${amount}`),
    );
    expect(r.stdout).toContain(
      `must approve the refund of ${amount} for the duplicate charge on order A-1042`,
    );

    const decisions = (await journal(r.runId, r.dataDir))
      .filter((e) => e.type === 'PatternDecided')
      .map((e) => e.data.decision as { op: string; to?: string });
    expect(decisions.map((d) => (d.op === 'handoff' ? `${d.op}:${d.to}` : d.op))).toEqual([
      'handoff:billing',
      'handoff:escalation',
      'complete',
    ]);
  });

  it('answers a technical question with passages of the corpus, cited', async () => {
    const r = await runExample('support_handoff.yaml', 'handoff-technical', {
      request:
        'My home battery gets very hot while charging. What causes thermal runaway and how can I prevent a fire?',
    });
    expect(r.stdout).toContain('Route: triage → technical');
    const cited = /^- (.+) \[1\]$/m.exec(r.stdout)?.[1];
    expect(cited).toMatch(/thermal runaway/);
    const source = /^1\. (.+) \((battery-safety)#\d+, BM25 [\d.]+\)$/m.exec(r.stdout);
    expect(source?.[1]).toBe('Battery Fires and Thermal Runaway');
    const article = readFileSync(join(ROOT, 'examples/corpus/docs/battery-safety.md'), 'utf8').replace(
      /\s+/g,
      ' ',
    );
    expect(article).toContain(cited);
  });

  it('settles a refund under the limit in billing, and answers a greeting in triage', async () => {
    const late = await runExample('support_handoff.yaml', 'handoff-late', {
      request: 'Order B-2001 arrived a week late.',
    });
    expect(late.stdout).toContain('Route: triage → billing\n');
    // B-2001 came 7 days late: shipping 14.50 plus 7% of 227.00 in goods.
    expect(late.stdout).toContain('A refund of €30.39 for the late delivery on order B-2001 is approved');

    const hello = await runExample('support_handoff.yaml', 'handoff-greeting', { request: 'Hello!' });
    expect(hello.stdout).toContain('Route: triage\n');
    expect(hello.stdout).toContain('We can help with billing');
  });
});
