// The web UI in a real browser (Debian's chromium, headless, via playwright-core) against `baton serve
// --http` as a child process: a run's graph fills in live until the run completes; pause and resume from
// the run page hold back and release its tasks; the timeline's time travel shows the graph as it was at
// an entry; the visual editor writes the YAML for a task added and connected on the graph, marks an
// error at its line and on the graph, and registers the workflow. Screenshots: test-results/ui/*.png.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from './cli-helpers.js';
import {
  api,
  browserMissing,
  launchBrowser,
  screenshot,
  serveHttp,
  startRun,
  stopServe,
  workflowOf,
  type Served,
} from './ui-harness.js';

const missing = browserMissing();
if (missing !== undefined) console.warn(`skipping the web UI browser tests: ${missing}`);

const DIAMOND: Array<[string, string[]]> = [
  ['fetch', []],
  ['left', ['fetch']],
  ['right', ['fetch']],
  ['join', ['left', 'right']],
];
/** The diamond and one more step: long enough (5 x 800 ms) to open its page while it runs. */
const LONGER: Array<[string, string[]]> = [...DIAMOND, ['publish', ['join']]];
const CHAIN: Array<[string, string[]]> = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((id, i) => [
  id,
  i === 0 ? [] : [`c${i}`],
]);

describe.skipIf(missing !== undefined)('web UI in chromium', () => {
  const tmp = tempDir();
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    served = await serveHttp(tmp.dir, { BATON_UI_AGENT_MS: '800' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => console.error('page error:', e));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (served) await stopServe(served);
    tmp.cleanup();
  });

  const statusOf = (task: string) => page.locator(`[data-task="${task}"]`).getAttribute('data-status');

  it('shows a run graph filling in live until the run completes, and the run in the list', async () => {
    // As a user would: the runs list is open (the UI loaded) when the run starts; its row opens it.
    await page.goto(`${served.url}/#/runs`);
    await page.getByTestId('run-counts').waitFor();
    const runId = await startRun(served.url, workflowOf('diamond', LONGER));
    await page.locator(`tr[data-run="${runId}"] a`).click();
    // Live: the page shows the run while it executes (a task running), then, without a reload, done.
    await page.locator('[data-status="running"]').first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('run-page').getAttribute('data-run-status')).toBe('executing');
    expect(await statusOf('publish')).not.toBe('completed');
    await screenshot(page, 'run-live');
    await page.locator('[data-testid="run-page"][data-run-status="completed"]').waitFor({ timeout: 20_000 });
    for (const [task] of LONGER) expect(await statusOf(task)).toBe('completed');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');
    await screenshot(page, 'run-completed');

    await page.goto(`${served.url}/#/runs`);
    await page.locator(`tr[data-run="${runId}"]`).waitFor();
    expect(await page.getByTestId('run-counts').textContent()).toContain('completed 1');
  }, 60_000);

  it('pauses and resumes a run from its page', async () => {
    const runId = await startRun(served.url, workflowOf('chain', CHAIN));
    await page.goto(`${served.url}/#/runs/${runId}`);
    await page.locator('[data-task="c2"][data-status="running"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('pause').click();
    await page.locator('[data-testid="run-page"][data-run-status="paused"]').waitFor({ timeout: 10_000 });
    const paused = await api<{ run: { status: string } }>(served.url, 'RunService', 'GetRun', { runId });
    expect(paused.json.run.status).toBe('RUN_STATUS_PAUSED');
    // Held back: the task in flight may finish, but no new task starts while paused.
    await page.waitForTimeout(1500);
    const completedWhilePaused = await page.locator('[data-status="completed"]').count();
    expect(completedWhilePaused).toBeLessThan(CHAIN.length);
    expect(await page.locator('[data-status="running"]').count()).toBe(0);
    await screenshot(page, 'run-paused');
    await page.getByTestId('resume').click();
    await page.locator('[data-testid="run-page"][data-run-status="completed"]').waitFor({ timeout: 20_000 });
    const history = await api<{ events: Array<{ type: string; actor?: string }> }>(
      served.url,
      'RunService',
      'GetRunHistory',
      { runId, pageSize: 1000 },
    );
    const commands = history.json.events.filter((e) => e.type === 'RunPaused' || e.type === 'RunResumed');
    expect(commands.map((e) => [e.type, e.actor])).toEqual([
      ['RunPaused', 'web-ui'],
      ['RunResumed', 'web-ui'],
    ]);
  }, 60_000);

  it('time-travels through the journal: the graph shows the run as it was at the selected entry', async () => {
    const runId = await startRun(served.url, workflowOf('travel', DIAMOND));
    await page.goto(`${served.url}/#/runs/${runId}`);
    await page.locator('[data-testid="run-page"][data-run-status="completed"]').waitFor({ timeout: 20_000 });
    // Entry 2 is fetch's dispatch: then fetch runs and nothing else has started.
    await page.locator('.timeline-row[data-seq="2"]').click();
    await expect.poll(() => page.getByTestId('travel-seq').textContent()).toBe('2');
    expect(await statusOf('fetch')).toBe('running');
    expect(await statusOf('join')).toBe('pending');
    expect(await page.locator('[data-testid="run-page"]').getAttribute('data-run-status')).toBe('executing');
    expect(await page.getByTestId('run-status').textContent()).toBe('executing');
    await screenshot(page, 'run-time-travel');
    // Entry 3 is fetch's completion.
    await page.locator('.timeline-row[data-seq="3"]').click();
    expect(await statusOf('fetch')).toBe('completed');
    await page.getByTestId('live-button').click();
    expect(await statusOf('join')).toBe('completed');
  }, 60_000);

  it('builds a workflow in the visual editor, shows its YAML, marks an error, and registers it', async () => {
    await page.goto(`${served.url}/#/editor`);
    const yaml = page.locator('.cm-content');
    await page.locator('[data-task="start"]').waitFor();
    await page.getByTestId('add-task').click();
    await page.locator('[data-task="task1"]').waitFor();
    await expect.poll(() => yaml.textContent()).toContain('id: task1');
    // Connect: task1 depends on start (picked on the graph, then in the bar).
    await page.locator('[data-task="task1"]').click();
    await page.getByTestId('add-dependency').selectOption('start');
    await expect.poll(() => yaml.textContent()).toMatch(/depends_on:\s*\[?\s*-?\s*start/);
    await page.locator('.react-flow__edge').first().waitFor({ state: 'attached' });
    expect(await page.getByTestId('validity').textContent()).toBe('valid');
    await screenshot(page, 'editor-valid');

    // An error: a dependency on a task that does not exist, typed into the YAML.
    await yaml.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n    - { id: broken, agent: worker, depends_on: [nowhere] }');
    await page.locator('.cm-lintRange-error').first().waitFor({ timeout: 5_000 });
    await page.locator('[data-task="broken"].has-error').waitFor();
    // Marked at its line: the problem names the line the broken task is on, and the lint mark is there.
    const lines = (await yaml.innerText()).split('\n');
    const at = lines.findIndex((l) => l.includes('id: broken')) + 1;
    const problems = await page.getByTestId('problems').textContent();
    expect(problems).toMatch(new RegExp(`^${at}:\\d+ BATON_E_UNKNOWN_DEPENDENCY .*nowhere`));
    expect(
      await page.locator('.cm-line', { has: page.locator('.cm-lintRange-error') }).textContent(),
    ).toContain('nowhere');
    expect(await page.getByTestId('validity').textContent()).toBe('1 error(s)');
    expect(await page.getByTestId('register').isDisabled()).toBe(true);
    await screenshot(page, 'editor-error');

    // Fixed on the graph side: removing the line in the YAML makes it valid again; then register.
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await expect.poll(() => page.getByTestId('validity').textContent()).toBe('valid');
    await page.getByTestId('register').click();
    await expect
      .poll(() => page.getByTestId('editor-message').textContent())
      .toBe('registered: my-workflow@1');
    await page.goto(`${served.url}/#/workflows`);
    await page.locator('[data-testid="workflows"] >> text=my-workflow').waitFor();
  }, 60_000);
});
