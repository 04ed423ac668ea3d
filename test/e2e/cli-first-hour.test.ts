// What a new user stumbled on in their first hour, each as the built `baton` command meets it: closed
// pipes, a server address without a port, a port in use, a misspelled or mistyped input, a module path
// that does not exist, status that reads the same locally and from a server (and says what a run waits
// for), `baton run` and `baton events` against a server, and the patterns a workflow can name.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRuns } from '../../src/api/client.js';
import { BATON_BIN, startServer, type ServerHandle } from '../integration/sdk/server.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
const dataDir = join(tmp.dir, 'data');
const AGENT = join(tmp.dir, 'echo.mjs');
const APPROVAL = join(tmp.dir, 'approval.yaml');
let server: ServerHandle;
/** A run of APPROVAL on the server, left waiting for its approval. */
let waiting: string;

beforeAll(async () => {
  writeFileSync(
    AGENT,
    'export default async (input) => ({ done: true, question: input.input?.question ?? null });\n',
  );
  writeFileSync(
    APPROVAL,
    `workflow:
  name: approval
  version: "1"
  inputs:
    question: { description: "what to ask", default: "why?" }
  agents:
    worker: { type: t, endpoint: { module: ./echo.mjs } }
  tasks:
    - { id: draft, agent: worker, input: { question: "input.question" } }
    - id: publish
      agent: worker
      depends_on: [draft]
      wait_for: { channel: approvals, event: approved, timeout: 5m }
  coordination:
    type: hybrid
    event_driven: [approvals]
`,
  );
  server = await startServer({ dataDir, cwd: tmp.dir });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

/** Runs the bin with its stdout closed before it writes: as `baton ... | head -0` would. */
async function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BATON_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

describe('baton run --server and the run commands against a server', () => {
  it('starts a run on the server, follows it with progress lines, and says what it waits for', async () => {
    const run = spawn(process.execPath, [BATON_BIN, 'run', APPROVAL, '--server', server.address], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Listened for from the start: the run can end (and close) while `baton signal` below still exits.
    const closed = once(run, 'close') as Promise<[number | null]>;
    let stderr = '';
    let stdout = '';
    run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const started = new Promise<string>((resolve) =>
      run.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const id = /^run (run_\S+) \(server /m.exec(stderr)?.[1];
        if (id && stderr.includes('draft completed')) resolve(id);
      }),
    );
    waiting = await started;
    expect(waiting).toMatch(/^run_[0-9a-z]+_[0-9a-f]{10}$/);

    // While it waits: the same status lines from the server and from its data directory.
    const remote = await baton(['status', waiting, '--server', server.address]);
    const local = await baton(['status', waiting, '--data-dir', dataDir]);
    expect(remote.code, remote.stderr).toBe(0);
    // A run still going: its runtime grows, and only the process driving it measures its overhead live.
    const withoutClock = (s: string) => s.replace(/runtime [\d.]+s · (.*) overhead [\d.]+%/, '$1');
    expect(withoutClock(remote.stdout)).toBe(withoutClock(local.stdout));
    expect(remote.stdout).toMatch(/^ {2}tasks: 1 completed, 1 waiting_event \(of 2\) · /m);
    expect(remote.stdout).toMatch(
      /^ {2}waiting: publish waits for approvals:approved \(wait_for since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, timeout 5m\)$/m,
    );
    const json = JSON.parse(
      (await baton(['status', waiting, '--json', '--server', server.address])).stdout,
    ) as {
      run_id: string;
      workflow_id: string;
      baton: { waits: Array<Record<string, unknown>>; task_counts: Record<string, number> };
    };
    expect(json.run_id).toBe(waiting);
    expect(json.workflow_id).toBe(waiting);
    expect(json.baton.task_counts).toEqual({ completed: 1, waiting_event: 1 });
    expect(json.baton.waits).toEqual([
      expect.objectContaining({
        task: 'publish',
        gate: 'wait_for',
        channel: 'approvals',
        event: 'approved',
        timeout_ms: 300_000,
      }),
    ]);

    expect((await baton(['signal', waiting, 'approvals:approved', '--server', server.address])).code).toBe(0);
    const [code] = await closed;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^\[\s+[\d.]+s\] run completed$/m);
    // The report is the run's output (no text report here: JSON), as a local run prints it.
    expect(JSON.parse(stdout)).toMatchObject({ publish: { done: true } });
  }, 60_000);

  it('prints the same status, --json and events from the server as from its data directory', async () => {
    for (const args of [
      ['status', waiting],
      ['status', waiting, '--json'],
      ['events', waiting],
      ['events', waiting, '--json'],
    ]) {
      const remote = await baton([...args, '--server', server.address]);
      const local = await baton([...args, '--data-dir', dataDir]);
      expect(remote.code, `${args.join(' ')}: ${remote.stderr}`).toBe(0);
      expect(remote.stdout, args.join(' ')).toBe(local.stdout);
    }
    const status = (await baton(['status', waiting, '--server', server.address])).stdout;
    expect(status.split('\n')[0]).toBe(`${waiting}  completed  phase completed`);
    expect(status).toMatch(/^ {2}tasks: 2 completed \(of 2\) · runtime /m);
    const events = (await baton(['events', waiting, '--server', server.address])).stdout
      .trimEnd()
      .split('\n');
    expect(events[0]).toMatch(/^\s+1\s+\+\s+0\.000s\s+RunStarted\s+run started: approval@1$/);
    expect(events.at(-1)).toMatch(/RunCompleted\s+run completed$/);
  }, 60_000);

  it('run --server --json prints the final status with the output, as a local run --json does', async () => {
    const file = join(tmp.dir, 'once.yaml');
    writeFileSync(
      file,
      `workflow:
  name: once
  version: "1"
  agents: { worker: { type: t, endpoint: { module: ./echo.mjs } } }
  tasks: [{ id: only, agent: worker }]
`,
    );
    const r = await baton(['run', file, '--json', '--server', server.address]);
    expect(r.code, r.stderr).toBe(0);
    const remote = JSON.parse(r.stdout) as Record<string, unknown> & { baton: Record<string, unknown> };
    const local = JSON.parse(
      (await baton(['run', file, '--json', '--data-dir', join(tmp.dir, 'once')])).stdout,
    ) as typeof remote;
    expect(remote).toMatchObject({ status: 'completed', run_id: remote.workflow_id });
    expect(remote.baton.output).toEqual(local.baton.output);
    expect(remote.baton.output).toEqual({ only: { done: true, question: null } });
  });

  it('refuses a server address without a port, naming HOST:PORT', async () => {
    for (const [args, env] of [
      [['status', 'run_x', '--server', 'localhost'], {}],
      [['runs'], { BATON_SERVER: 'localhost' }],
    ] as const) {
      const r = await baton([...args], { env: { ...process.env, ...env } });
      expect(r.code).toBe(2);
      const origin = 'BATON_SERVER' in env ? 'BATON_SERVER' : '--server';
      expect(r.stderr).toBe(
        `baton: BATON_E_USAGE  ${origin} "localhost" is not a server address: expected HOST:PORT, e.g. 127.0.0.1:50051\n`,
      );
    }
  });

  it('refuses a run input the workflow does not declare, or of the wrong type, before a run exists', async () => {
    const data = join(tmp.dir, 'inputs');
    const misspelled = await baton(['run', APPROVAL, '--input', '{"questoin": "x"}', '--data-dir', data]);
    expect(misspelled.code).toBe(1);
    expect(misspelled.stderr).toBe(
      'baton: BATON_E_UNKNOWN_INPUT  workflow approval has no input "questoin": did you mean "question"? (its inputs: question)\n',
    );
    const mistyped = await baton([
      'run',
      APPROVAL,
      '--input',
      '{"question": 42}',
      '--server',
      server.address,
    ]);
    expect(mistyped.code).toBe(1);
    expect(mistyped.stderr).toBe(
      'baton: BATON_E_WRONG_TYPE  input "question" of workflow approval must be a string (the type of its default), not integer 42\n',
    );
    expect((await baton(['runs', '--data-dir', data])).stdout).toBe('no runs\n');
  });
});

describe('agent modules', () => {
  const missing = `workflow:
  name: missing-agent
  version: "1"
  agents:
    writer: { type: t, endpoint: { module: ./agents/writer.js } }
  tasks:
    - { id: write, agent: writer }
`;

  it('refuses a run over the API whose module is not in the server agents directory, naming agent and path', async () => {
    const runs = new RemoteRuns(server.address);
    try {
      const err = await runs.start({ source: missing }).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('BATON_E_AGENT_MODULE_NOT_FOUND');
      expect(err?.message).toContain(
        `agent "writer" of workflow missing-agent: module "./agents/writer.js" resolves to ${join(tmp.dir, 'agents/writer.js')}, which is not a file`,
      );
      expect(err?.message).toContain('--agents-dir');
    } finally {
      runs.close();
    }
  });

  it('refuses a local run the same way, before it starts', async () => {
    const file = join(tmp.dir, 'missing.yaml');
    writeFileSync(file, missing);
    const r = await baton(['run', file, '--data-dir', join(tmp.dir, 'modules')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^baton: BATON_E_AGENT_MODULE_NOT_FOUND {2}agent "writer" of workflow missing-agent: /,
    );
    expect((await baton(['runs', '--data-dir', join(tmp.dir, 'modules')])).stdout).toBe('no runs\n');
  });
});

describe('the process', () => {
  it('ends quietly with exit 0 when the reader of its output goes away (| head)', async () => {
    for (const args of [
      ['events', waiting, '--data-dir', dataDir],
      ['status', waiting, '--data-dir', dataDir],
      ['events', waiting, '--server', server.address],
      ['patterns'],
    ]) {
      const r = await withClosedStdout(args);
      expect({ args, ...r }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('reports a listen address in use in one coded line, exit 2', async () => {
    const r = await baton(['serve', '--listen', server.address, '--data-dir', join(tmp.dir, 'second')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `baton: BATON_E_ADDRESS_IN_USE  cannot listen on ${server.address}: the address is in use (another baton serve?); stop that process or choose another with --listen HOST:PORT\n`,
    );
  });

  it('prints no runtime warning when it serves', () => {
    expect(server.stderr()).not.toMatch(/Warning|--trace-warnings/);
  });
});

describe('patterns', () => {
  it('baton plugin list shows the built-in patterns and hooks, marked built-in', async () => {
    const r = await baton(['plugin', 'list', '--data-dir', join(tmp.dir, 'plugins-none')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^supervisor@1\.\d+\.\d+\s+pattern\s+[0-9a-f]{12}\s+\d+ bytes\s+built-in$/m);
    expect(r.stdout).toMatch(/^assign@1\.\d+\.\d+\s+hook\s+[0-9a-f]{12}\s+\d+ bytes\s+built-in$/m);
    // The built-in pattern plugins (11 lines) and the automated-assignment hook plugin.
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(12);
    expect(r.stderr).toContain('no plugins installed in');
  });

  it('baton patterns lists every pattern a workflow can name', async () => {
    const r = await baton(['patterns', '--json', '--data-dir', join(tmp.dir, 'plugins-none')]);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; source: string }>;
    expect(rows.filter((p) => p.source === 'native').map((p) => p.name)).toEqual([
      'graph',
      'concurrent',
      'sequential',
    ]);
    expect(
      rows
        .filter((p) => p.source === 'built-in')
        .map((p) => p.name)
        .sort(),
    ).toEqual([
      'debate',
      'group_chat',
      'handoff',
      'hierarchical',
      'magentic',
      'map_reduce',
      'network',
      'reflection',
      'router',
      'supervisor',
      'swarm',
    ]);
  });
});
