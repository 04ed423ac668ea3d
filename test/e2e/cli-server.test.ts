// The run commands of the CLI against a running `baton serve` (--server or BATON_SERVER), as child
// processes: list, status, watch, pause, resume, signal, cancel, modify; errors with their Baton codes;
// and a watch that survives a server restart, resuming from its cursor with no entry missed or repeated.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { RunServiceClient, StartRunRequest, type Run } from '../../src/api/gen/baton/v1/run.js';
import { baton, ROOT, tempDir, type CliResult } from './cli-helpers.js';

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const APPROVAL = `workflow:
  name: approval
  version: "1"
  agents: { w: { type: w, endpoint: { module: "${AGENT}" } } }
  coordination: { type: hybrid, event_driven: [approvals] }
  tasks:
    - { id: prepare, agent: w }
    - { id: ship, agent: w, depends_on: [prepare], wait_for: { channel: approvals, event: approved, timeout: 5m } }
`;
/** Eight tasks in a row: a restart after the second starts always lands mid-run. */
const CHAIN = `workflow:
  name: chain
  version: "1"
  agents: { w: { type: w, endpoint: { module: "${AGENT}" } } }
  tasks:
${['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']
  .map((id, i) => `    - { id: ${id}, agent: w${i === 0 ? '' : `, depends_on: [t${i}]`} }`)
  .join('\n')}
`;

function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BATON_')));
  return { ...base, BATON_SIDE_EFFECTS: join(tmp.dir, 'effects.log'), NO_COLOR: '1', ...extra };
}

async function freePort(): Promise<number> {
  const s = netServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function serve(dataDir: string, listen: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/baton.js'), 'serve', '--listen', listen, '--data-dir', dataDir],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  expect(line).toContain('serving gRPC on');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).toBe(0);
}

function startRun(address: string, workflowSource: string): Promise<Run> {
  const client = new RunServiceClient(address, credentials.createInsecure());
  return new Promise<Run>((resolve, reject) =>
    client.startRun(StartRunRequest.fromPartial({ workflowSource }), (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res.run!);
    }),
  );
}

async function until(ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ok = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

describe('CLI run commands against a server', () => {
  it('lists, shows, watches, pauses, resumes and signals a run on the server', async () => {
    const env = envWith({});
    const address = `127.0.0.1:${await freePort()}`;
    const server = await serve(join(tmp.dir, 'data-a'), address, env);
    const run = await startRun(address, APPROVAL);
    const id = run.runId;
    const status = async (via: string[] = ['--server', address]) =>
      JSON.parse(ok(await baton(['status', id, '--json', ...via], { env })).stdout) as {
        workflow_id: string;
        status: string;
        outputs: unknown;
      };

    // BATON_SERVER works as the flag does; no data dir is opened locally.
    const listed = ok(await baton(['runs'], { env: { ...env, BATON_SERVER: address }, cwd: tmp.dir }));
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}  executing\\s+\\d{4}-\\d\\d-\\d\\d [\\d:]{8}  approval@1$`, 'm'),
    );
    const json = JSON.parse(
      ok(await baton(['runs', '--json', '--server', address], { env })).stdout,
    ) as Array<{
      runId: string;
      workflowName: string;
    }>;
    expect(json).toEqual([expect.objectContaining({ runId: id, workflowName: 'approval' })]);
    expect(await status()).toMatchObject({ workflow_id: id, status: 'executing', outputs: null });
    const text = ok(await baton(['status', id, '--server', address], { env }));
    expect(text.stdout.split('\n')[0]).toMatch(new RegExp(`^${id}  executing  phase `));

    const watching = baton(['watch', id, '--server', address], { env, timeoutMs: 60_000 });

    expect(ok(await baton(['pause', id, '--server', address], { env })).stderr).toContain(
      `pause sent to run ${id} (now paused)`,
    );
    expect((await status()).status).toBe('paused');
    expect(ok(await baton(['resume', id, '--server', address], { env })).stderr).toContain(
      `resume sent to run ${id} (now executing)`,
    );
    await until(async () => (await status()).status === 'executing');
    ok(await baton(['signal', id, 'approvals:approved', '{"by":"ada"}', '--server', address], { env }));

    const watched = ok(await watching);
    const lines = watched.stdout.trim().split('\n');
    const types = lines.map((l) => /^\s*\d+\s+\+\s*[\d.]+s\s+(\w+)/.exec(l)?.[1]);
    expect(types[0]).toBe('RunStarted');
    expect(types).toEqual(expect.arrayContaining(['RunPaused', 'RunResumed', 'EventReceived']));
    expect(types.at(-1)).toBe('RunCompleted');
    // status --json carries the outputs of the completed run (the last task's output, by task id).
    const done = await status();
    expect(done.status).toBe('completed');
    expect(done.outputs).toEqual({ ship: { key: 'ship', items: [1, 2, 3] } });
    await stop(server);
  }, 90_000);

  it('reports server errors with their Baton codes; modify refuses a breaking change and applies a good one', async () => {
    const env = envWith({});
    const address = `127.0.0.1:${await freePort()}`;
    const server = await serve(join(tmp.dir, 'data-b'), address, env);

    const missing = await baton(['status', 'run_nope', '--server', address], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('BATON_E_RUN_NOT_FOUND');
    expect(missing.stderr).toContain('run_nope');

    const malformed = await baton(['cancel', 'has space', '--server', address], { env });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('BATON_E_REQUEST_INVALID  run_id: has whitespace');

    const badStatus = await baton(['runs', '--status', 'sleeping', '--server', address], { env });
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status "sleeping" is not a run status');

    const run = await startRun(address, APPROVAL);
    // Removing a task another one depends on breaks the workflow: refused, naming the change.
    const mods = join(tmp.dir, 'mods.yaml');
    writeFileSync(mods, 'reason: more checks\nmodifications:\n  - remove_task: prepare\n');
    const modified = await baton(['modify', run.runId, mods, '--server', address], { env });
    expect(modified.code).toBe(1);
    expect(modified.stderr).toContain('BATON_E_MODIFY_');
    expect(modified.stderr).toContain('prepare');
    // Adding a task is applied to the live run and journaled with the reason.
    const addMods = join(tmp.dir, 'add-mods.yaml');
    writeFileSync(
      addMods,
      'reason: audit first\nmodifications:\n  - add_task: { id: audit, agent: w, depends_on: [prepare] }\n',
    );
    const added = await baton(['modify', run.runId, addMods, '--server', address], { env });
    expect(added.code, added.stderr).toBe(0);
    // The server's data dir is readable while it runs (SQLite WAL): the journal shows who and why.
    const events = ok(await baton(['events', run.runId, '--data-dir', join(tmp.dir, 'data-b')], { env }));
    expect(events.stdout).toMatch(/modified by .*\+task audit/);

    const badMods = join(tmp.dir, 'bad-mods.yaml');
    writeFileSync(badMods, 'modifications:\n  - rename_task: ship\n');
    const refused = await baton(['modify', run.runId, badMods, '--server', address], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${badMods}:2:`);

    const local = await baton(['modify', run.runId, mods], { env });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('pass --server HOST:PORT or set BATON_SERVER');
    ok(await baton(['cancel', run.runId, '--server', address], { env }));
    await stop(server);

    const down = await baton(['status', run.runId, '--server', address], { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`BATON_E_SERVER_UNAVAILABLE  server ${address} is unavailable`);
  }, 90_000);

  it('shows, lists the events of and watches a run whose answers exceed 4 MiB (a 6 MB workflow)', async () => {
    // grpc-js refuses answers over 4 MiB unless told otherwise: `baton events` of this run failed with
    // BATON_E_INTERNAL "Received message larger than max (6000639 vs 4194304)".
    const env = envWith({});
    const address = `127.0.0.1:${await freePort()}`;
    const server = await serve(join(tmp.dir, 'data-big'), address, env);
    const big = CHAIN.replace(
      '  version: "1"\n',
      `  version: "1"\n  description: "${'d'.repeat(6_000_000)}"\n`,
    );
    const run = await startRun(address, big);
    const watched = ok(await baton(['watch', run.runId, '--server', address], { env }));
    expect(watched.stdout).toContain('completed');
    const events = ok(await baton(['events', run.runId, '--server', address], { env }));
    expect(events.stdout).toContain('RunStarted');
    expect(events.stdout).toContain('RunCompleted');
    ok(await baton(['status', run.runId, '--server', address], { env }));
    await stop(server);
  }, 90_000);

  it('a watch survives a server restart: resumes from its cursor, no entry missed or repeated', async () => {
    const env = envWith({ BATON_AGENT_DELAY_MS: '400', BATON_SIDE_EFFECTS: join(tmp.dir, 'effects-c.log') });
    const address = `127.0.0.1:${await freePort()}`;
    const dataDir = join(tmp.dir, 'data-c');
    let server = await serve(dataDir, address, env);
    const run = await startRun(address, CHAIN);
    const watching = baton(['watch', run.runId, '--json', '--server', address], { env, timeoutMs: 90_000 });
    const effects = join(tmp.dir, 'effects-c.log');
    await until(() =>
      Promise.resolve(existsSync(effects) && readFileSync(effects, 'utf8').trim().split('\n').length >= 2),
    );
    await stop(server);
    server = await serve(dataDir, address, env);
    const watched = ok(await watching);
    const seqs = watched.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seq: number; type: string }).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const types = watched.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(['RunPaused', 'RunResumed']));
    expect(types.at(-1)).toBe('RunCompleted');
    await stop(server);
  }, 120_000);
});

describe('--server given something that is not a Baton gRPC server', () => {
  it('an HTTP/1 server (the --http address) or a plain HTTP/2 one: unavailable, saying it does not speak gRPC', async () => {
    const http1 = createHttpServer((_req, res) => res.writeHead(404).end());
    const http2 = createHttp2Server((_req, res) => res.writeHead(404).end());
    for (const s of [http1, http2]) {
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
    }
    try {
      for (const [server, what] of [
        [http1, 'it broke the HTTP/2 protocol'],
        [http2, 'it answered HTTP 404'],
      ] as const) {
        const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
        for (const args of [['runs'], ['schedule', 'list']]) {
          const r = await baton([...args, '--server', address], { env: envWith({}) });
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).toContain(
            `BATON_E_SERVER_UNAVAILABLE  server ${address} does not speak gRPC (${what}`,
          );
          expect(r.stderr).toContain('--server takes the gRPC address');
        }
      }
    } finally {
      http2.close();
      http1.close();
      http1.closeAllConnections();
    }
  });

  it('runs --limit past the page the store serves is a usage error naming the range', async () => {
    const r = await baton(['runs', '--limit', '5000', '--data-dir', join(tmp.dir, 'data-limit')], {
      env: envWith({}),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BATON_E_USAGE  --limit must be a whole number from 1 to 1000, not "5000"');
  });
});
