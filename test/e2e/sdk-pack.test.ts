// The SDK as users get it: `npm pack` sdk/, install the tarball into a fresh project (its only
// install: @grpc/grpc-js and @bufbuild/protobuf come from the registry), and run a plain ESM script
// from there against a real `baton serve`: validate the reference workflow, start it, watch it to
// the end, and read the finished run; and run a worker (createWorker) from there that serves the
// agents of a workflow, which then completes with what the worker's handler computed.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, startServer, type ServerHandle } from '../integration/sdk/server.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const CLIENT_SCRIPT = `
import { readFileSync } from 'node:fs';
import { createClient, RunStatus, NotFoundError } from '@baton/sdk';

const [address, workflowFile] = process.argv.slice(2);
const client = createClient({ address, deadlineMs: 20000 });
const source = readFileSync(workflowFile, 'utf8');
const checked = await client.workflows.validate({ source });
const started = await client.runs.start({
  workflowSource: source,
  inputData: { question: 'How do lithium-ion batteries compare with pumped hydro for grid energy storage?' },
  requestId: 'pack-test-1',
});
const events = [];
for await (const event of client.runs.watch(started.runId)) events.push(event);
const finished = await client.runs.get(started.runId);
let missing;
try { await client.runs.get('run_missing'); } catch (err) { missing = err instanceof NotFoundError ? err.code : String(err); }
client.close();
console.log(JSON.stringify({
  valid: checked.valid,
  runId: started.runId,
  status: RunStatus[finished.status],
  seqs: events.map((e) => Number(e.seq)),
  types: events.map((e) => e.type),
  outputs: finished.outputs,
  missing,
}));
`;

const WORKER_SCRIPT = `
import { createClient, createWorker, RunStatus, TaskFailure } from '@baton/sdk';

const [address] = process.argv.slice(2);
const events = [];
const worker = createWorker({
  address,
  workerId: 'packed-worker-1',
  queues: ['reverse'],
  capacity: 2,
  onEvent: (e) => events.push(e.type),
  handler: async (task) => {
    if (typeof task.input.text !== 'string') throw new TaskFailure('input.text must be a string', { retryable: false });
    task.progress(0.5);
    return { reversed: [...task.input.text].reverse().join(''), attempt: task.attempt };
  },
});
await worker.ready;
const client = createClient({ address, deadlineMs: 20000 });
const source = [
  'workflow:',
  '  name: packed-worker',
  '  version: "1"',
  '  agents:',
  '    reverser: { type: tool, endpoint: { queue: reverse } }',
  '  tasks:',
  '    - { id: flip, agent: reverser, input: { text: "input.text" } }',
].join('\\n');
const started = await client.runs.start({ workflowSource: source, inputData: { text: 'stressed' } });
const types = [];
for await (const event of client.runs.watch(started.runId)) types.push(event.type);
const finished = await client.runs.get(started.runId);
await worker.close();
client.close();
console.log(JSON.stringify({ status: RunStatus[finished.status], outputs: finished.outputs, types, events }));
`;

let dir: string;
let server: ServerHandle | undefined;
let project: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sdk-pack-'));
  // prepack builds sdk/dist with the root's TypeScript.
  await run(NPM, ['pack', '--pack-destination', dir], { cwd: join(ROOT, 'sdk') });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  expect(tarball, 'npm pack wrote a tarball').toBeDefined();
  project = join(dir, 'app');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }),
  );
  await run(NPM, ['install', '--no-audit', '--no-fund', join(dir, tarball!)], { cwd: project });
  writeFileSync(join(project, 'client.mjs'), CLIENT_SCRIPT);
  writeFileSync(join(project, 'worker.mjs'), WORKER_SCRIPT);
}, 240_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('an installed @baton/sdk validates, starts and watches the reference workflow to completion', async () => {
  // The example's agents are modules relative to examples/, where the server is started.
  server = await startServer({ dataDir: join(dir, 'data'), cwd: join(ROOT, 'examples') });
  const workflow = join(ROOT, 'examples/research_and_analysis.yaml');
  const { stdout } = await run(process.execPath, ['client.mjs', server.address, workflow], { cwd: project });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    valid: boolean;
    status: string;
    seqs: number[];
    types: string[];
    outputs: Record<string, unknown>;
    missing: string;
  };
  expect(result.valid).toBe(true);
  expect(result.status).toBe('RUN_STATUS_COMPLETED');
  expect(result.seqs).toEqual(Array.from({ length: result.seqs.length }, (_, i) => i + 1));
  expect(result.types[0]).toBe('RunStarted');
  expect(result.types.at(-1)).toBe('RunCompleted');
  expect(result.types.filter((t) => t === 'TaskCompleted').length).toBeGreaterThanOrEqual(4);
  // The report the supervisor wrote from the bundled corpus.
  expect(JSON.stringify(result.outputs)).toContain('Pumped hydro');
  expect(result.missing).toBe('BATON_E_RUN_NOT_FOUND');
}, 120_000);

it('an installed @baton/sdk runs a worker that serves a workflow to completion', async () => {
  server ??= await startServer({ dataDir: join(dir, 'data'), cwd: join(ROOT, 'examples') });
  const { stdout } = await run(process.execPath, ['worker.mjs', server.address], { cwd: project });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    status: string;
    outputs: Record<string, unknown>;
    types: string[];
    events: string[];
  };
  expect(result.status).toBe('RUN_STATUS_COMPLETED');
  expect(result.outputs).toEqual({ flip: { reversed: 'desserts', attempt: 1 } });
  expect(result.types.at(-1)).toBe('RunCompleted');
  expect(result.events).toEqual(expect.arrayContaining(['connected', 'assignment', 'completed', 'stopped']));
}, 120_000);
