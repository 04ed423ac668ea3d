// A worker in another language: test/fixtures/python/baton_worker.py (stubs generated from proto/
// with Debian's grpc_tools, run by Debian's python3 with python3-grpcio) connects to a real
// `baton serve` over Work and serves both agents of a workflow; the run completes with outputs only
// the Python code computed (word counts, a SHA-256, the upper-cased words), and on SIGTERM the worker
// drains and exits 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, RunStatus, type BatonClient } from '../../../sdk/src/index.js';
import { pythonInteropOrSkip } from './python-interop.js';
import { PYTHON, PYTHON_FIXTURES, pythonStubs, startServer, type ServerHandle } from './server.js';

/** Debian's python, which has python3-grpcio and python3-grpc-tools (not the pyenv one on PATH). */
const FIXTURES = PYTHON_FIXTURES;

let dir: string;
let server: ServerHandle | undefined;
let worker: ChildProcess | undefined;
let client: BatonClient | undefined;

/** Without python3-grpcio / python3-grpc-tools the tests skip, printing why and how to enable them. */
const interop = pythonInteropOrSkip();

beforeAll(async () => {
  if (!interop) return;
  dir = mkdtempSync(join(tmpdir(), 'baton-python-worker-'));
  await pythonStubs(dir);
}, 60_000);

afterAll(async () => {
  if (!interop) return;
  client?.close();
  if (worker?.exitCode === null) worker.kill('SIGKILL');
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const WORKFLOW = `workflow:
  name: python-served
  version: "1"
  agents:
    stats: { type: tool, endpoint: { queue: text-stats } }
    shout: { type: tool }
  tasks:
    - id: analyse
      agent: stats
      description: Count the words of the text
      input: { text: "input.text" }
    - id: loud
      agent: shout
      depends_on: [analyse]
      input: { unique: "tasks.analyse.output.unique" }
`;

it.skipIf(!interop)(
  'a Python worker serves a queue and an agent id over Work and the run completes with its outputs',
  async () => {
    server = await startServer({ dataDir: join(dir, 'data') });
    worker = spawn(
      PYTHON,
      [
        join(FIXTURES, 'baton_worker.py'),
        '--address',
        server.address,
        '--worker-id',
        'py-worker-1',
        '--serve',
        'text-stats',
        '--serve',
        'shout',
      ],
      { env: { ...process.env, PYTHONPATH: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const log: { event: string; [k: string]: unknown }[] = [];
    const lines = createInterface({ input: worker.stdout! });
    const welcomed = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        log.push(JSON.parse(line) as (typeof log)[number]);
        if (log.at(-1)!.event === 'welcome') resolve();
      });
      worker!.once('exit', (code) =>
        reject(new Error(`the Python worker exited (${String(code)}): ${stderr}`)),
      );
    });
    await welcomed;

    client = createClient({ address: server.address, deadlineMs: 20_000 });
    const text = 'The quick brown fox jumps over the lazy dog. The dog sleeps.';
    const started = await client.runs.start({ workflowSource: WORKFLOW, inputData: { text } });
    const types: string[] = [];
    for await (const event of client.runs.watch(started.runId)) types.push(event.type);
    const finished = await client.runs.get(started.runId);
    expect(types.at(-1)).toBe('RunCompleted');
    expect(finished.status).toBe(RunStatus.RUN_STATUS_COMPLETED);

    const unique = ['brown', 'dog', 'fox', 'jumps', 'lazy', 'over', 'quick', 'sleeps', 'the'];
    expect(finished.outputs).toEqual({
      loud: { shouted: 'BROWN DOG FOX JUMPS LAZY OVER QUICK SLEEPS THE!' },
    });
    const history = await client.runs.history({ runId: started.runId, pageSize: 100 });
    const analysed = history.events.find((e) => e.type === 'TaskCompleted' && e.taskId === 'analyse');
    expect((analysed!.data as { output: unknown }).output).toEqual({
      words: 12,
      unique,
      sha256: createHash('sha256').update(text).digest('hex'),
      described_as: 'Count the words of the text',
    });
    // The second receipt may reach the worker just after the run ends.
    for (let i = 0; i < 200 && log.filter((l) => l.event === 'receipt').length < 2; i++)
      await new Promise((r) => setTimeout(r, 25));
    const events = log.map((l) => l.event);
    expect(events.filter((e) => e === 'assignment')).toHaveLength(2);
    expect(log.filter((l) => l.event === 'receipt').map((l) => l['accepted'])).toEqual([true, true]);

    // SIGTERM drains: the worker half-closes its stream and exits 0.
    const exit = once(worker, 'close'); // after its stdout is read to the end
    worker.kill('SIGTERM');
    expect(await exit).toEqual([0, null]);
    expect(log.at(-1)!.event).toBe('stopped');
  },
  90_000,
);
