// The web UI's API: the HTTP gateway of `baton serve --http` (/api) answers with the same handlers and
// the same edge checks as gRPC (a bad request gets the same Baton code from both), streams WatchRun as
// NDJSON in journal order to the run's end, refuses what it does not serve with coded JSON, and serves
// the built UI at "/" (index.html for the UI's routes, hashed assets) without shadowing /api.

import { credentials, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readErrorDetail } from '../../src/api/errors.js';
import { RunServiceClient } from '../../src/api/gen/baton/v1/run.js';
import { tempDir } from './cli-helpers.js';
import { api, serveHttp, startRun, stopServe, workflowOf, type Served } from './ui-harness.js';

interface ErrorJson {
  error: { code: string; message: string; fieldPath?: string };
}

describe('HTTP gateway (/api) and the UI files (/)', () => {
  const tmp = tempDir();
  let served: Served;

  beforeAll(async () => {
    served = await serveHttp(tmp.dir, { BATON_UI_AGENT_MS: '20' });
  }, 30_000);
  afterAll(async () => {
    if (served) await stopServe(served);
    tmp.cleanup();
  });

  it('refuses a bad request with the same Baton code as gRPC does', async () => {
    const http = await api<ErrorJson>(served.url, 'RunService', 'GetRun', { runId: 'has space' });
    expect(http.status).toBe(400);
    const client = new RunServiceClient(served.grpc, credentials.createInsecure());
    const grpcError = await new Promise<ServiceError>((resolve) =>
      client.getRun({ runId: 'has space' }, (err) => resolve(err!)),
    );
    client.close();
    const detail = readErrorDetail(grpcError.metadata)!;
    expect(http.json.error).toMatchObject({
      code: detail.code,
      message: detail.message,
      fieldPath: 'run_id',
    });
    expect(detail.code).toBe('BATON_E_REQUEST_INVALID');

    const missing = await api<ErrorJson>(served.url, 'RunService', 'GetRun', { runId: 'run_nope' });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'BATON_E_RUN_NOT_FOUND']);
    const unknownField = await api<ErrorJson>(served.url, 'RunService', 'GetRun', { runIdentifier: 'x' });
    expect([unknownField.status, unknownField.json.error.code]).toEqual([400, 'BATON_E_BAD_REQUEST']);
    const noMethod = await api<ErrorJson>(served.url, 'RunService', 'Explode', {});
    expect([noMethod.status, noMethod.json.error.code]).toEqual([404, 'BATON_E_HTTP_NOT_FOUND']);
    const listed = await api<{ workers?: unknown[] }>(served.url, 'AgentService', 'ListWorkers', {});
    expect([listed.status, listed.json.workers ?? []]).toEqual([200, []]);
    const work = await api<ErrorJson>(served.url, 'AgentService', 'Work', {});
    expect(work.json.error.message).toContain('over gRPC');
    // A body that is not JSON (curl -d's form encoding) is refused, not read as an empty request.
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const form = await fetch(`${served.url}/api/baton.v1.RunService/GetRun`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: '{"runId":"run_nope"}',
      });
      expect(form.status).toBe(415);
      expect(((await form.json()) as ErrorJson).error).toEqual({
        code: 'BATON_E_HTTP_BAD_REQUEST',
        message: `the body is sent as "${type}": the API takes proto3 JSON with Content-Type: application/json`,
      });
    }
    // A principal header gRPC metadata cannot carry (not ASCII) is the caller's error, not a 500.
    const latin1 = await fetch(`${served.url}/api/baton.v1.RunService/ListRuns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-baton-principal': 'José' },
      body: '{}',
    });
    expect(latin1.status).toBe(400);
    expect(((await latin1.json()) as ErrorJson).error).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'x-baton-principal',
    });
    const charset = await fetch(`${served.url}/api/baton.v1.RunService/GetRun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"runId":"run_nope"}',
    });
    expect(charset.status).toBe(404);
    const get = await fetch(`${served.url}/api/baton.v1.RunService/ListRuns`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as ErrorJson).error.code).toBe('BATON_E_HTTP_NOT_FOUND');
  });

  it('validates with the CLI checker: the diagnostics name the line', async () => {
    const source = workflowOf('bad', [
      ['a', []],
      ['b', ['nowhere']],
    ]);
    const r = await api<{ valid?: boolean; diagnostics: Array<{ code: string; line: number }> }>(
      served.url,
      'WorkflowService',
      'ValidateWorkflow',
      { source },
    );
    expect(r.status).toBe(200);
    expect(r.json.valid ?? false).toBe(false);
    expect(r.json.diagnostics).toEqual([
      expect.objectContaining({ code: 'BATON_E_UNKNOWN_DEPENDENCY', line: 7 }),
    ]);
  });

  it('streams WatchRun as NDJSON, entry by entry to the run’s end, as GetRunHistory has them', async () => {
    const runId = await startRun(
      served.url,
      workflowOf('watched', [
        ['a', []],
        ['b', ['a']],
        ['c', ['b']],
      ]),
    );
    const res = await fetch(`${served.url}/api/baton.v1.RunService/WatchRun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runId }),
    });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n');
    const events = lines.map(
      (l) => (JSON.parse(l) as { result: { event: { seq: string; type: string } } }).result.event,
    );
    expect(events.map((e) => Number(e.seq))).toEqual(events.map((_e, i) => i + 1));
    expect(events[0]!.type).toBe('RunStarted');
    expect(events.at(-1)!.type).toBe('RunCompleted');
    const history = await api<{ events: Array<{ seq: string; type: string }> }>(
      served.url,
      'RunService',
      'GetRunHistory',
      {
        runId,
        pageSize: 1000,
      },
    );
    expect(history.json.events.map((e) => [e.seq, e.type])).toEqual(events.map((e) => [e.seq, e.type]));

    const unknown = await fetch(`${served.url}/api/baton.v1.RunService/WatchRun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runId: 'run_nope' }),
    });
    expect(JSON.parse((await unknown.text()).trim())).toMatchObject({
      error: { code: 'BATON_E_RUN_NOT_FOUND' },
    });
  });

  it("reports the instance's circuit breakers with a run: an agent that failed has one", async () => {
    const runId = await startRun(served.url, workflowOf('failing', [['fail_here', []]]));
    let run: { status?: string; breakers?: unknown[] } = {};
    for (let i = 0; i < 200 && run.status !== 'RUN_STATUS_FAILED'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await api<{ run: typeof run }>(served.url, 'RunService', 'GetRun', { runId })).json.run;
    }
    expect(run.status).toBe('RUN_STATUS_FAILED');
    // Breakers are per concrete agent (here the module endpoint), kept after failures only.
    const breakers = run.breakers as Array<{ agentId: string; state: string; consecutiveFailures: number }>;
    expect(breakers).toHaveLength(1);
    expect(breakers[0]!.agentId).toContain('sleep-agent.js');
    expect(breakers[0]!.consecutiveFailures).toBeGreaterThanOrEqual(1);
    expect(['closed', 'open', 'half_open']).toContain(breakers[0]!.state);
  });

  it('serves the UI at / (index.html for its routes, hashed assets)', async () => {
    const index = await fetch(`${served.url}/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('<div id="root">');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${served.url}/${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${served.url}/runs/anything`)).status).toBe(200);
    expect((await fetch(`${served.url}/assets/missing.js`)).status).toBe(404);
  });
});
