// `baton serve` accepts workers: a worker process-external to the server connects over Work, a run
// started over RunService with a queue endpoint is carried out by it, and the run completes.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { afterEach, expect, it } from 'vitest';
import { AgentServiceClient } from '../../../src/api/gen/baton/v1/agent.js';
import {
  RunServiceClient,
  StartRunRequest,
  type RunEvent,
  type StartRunResponse,
  type WatchRunResponse,
} from '../../../src/api/gen/baton/v1/run.js';
import { TestWorker } from './harness.js';

const ROOT = join(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SOURCE = `workflow:
  name: queued
  version: "1"
  agents:
    summarizer: { type: llm, capabilities: [summarize], endpoint: { queue: summaries } }
  tasks:
    - { id: summary, agent: summarizer, input: { text: "input.text" } }
`;

it('runs a workflow whose agent is a worker queue, served by a worker over AgentService.Work', async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-serve-workers-'));
  const script =
    "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
  child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const address = /on (127\.0\.0\.1:\d+)$/.exec(line)?.[1];
  expect(address, line).toBeDefined();

  const agents = new AgentServiceClient(address!, credentials.createInsecure());
  const worker = new TestWorker(agents, {
    workerId: 'summarizer-1',
    agentIds: ['summaries'],
    handle: (a) => {
      const input = a.message!.parts.find((p) => p.data !== undefined)!.data as { text: string };
      return { summary: input.text.toUpperCase() };
    },
  });
  await worker.welcome;

  const runs = new RunServiceClient(address!, credentials.createInsecure());
  const started = await new Promise<StartRunResponse>((resolve, reject) =>
    runs.startRun(
      StartRunRequest.fromPartial({ workflowSource: SOURCE, inputData: { text: 'hello workers' } }),
      (err: ServiceError | null, res) => (err ? reject(err) : resolve(res)),
    ),
  );
  const events: RunEvent[] = [];
  const stream = runs.watchRun({ runId: started.run!.runId, afterCursor: '' });
  stream.on('data', (r: WatchRunResponse) => events.push(r.event!));
  await once(stream, 'end');
  expect(events.at(-1)!.type).toBe('RunCompleted');
  expect(worker.assignments).toHaveLength(1);
  expect(JSON.stringify(events.at(-1))).toContain('HELLO WORKERS');

  // SIGTERM with the worker still connected: the server ends its stream (OK, so it may reconnect
  // elsewhere) instead of waiting out the drain, and exits cleanly.
  const exited = once(child, 'exit'); // listened for first: the server may exit before the worker ends
  child.kill('SIGTERM');
  expect(await worker.ended).toBeNull();
  expect(await exited).toEqual([0, null]);
  agents.close();
  runs.close();
}, 60_000);
