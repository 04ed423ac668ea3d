// One run, one trace: a caller's StartRun (W3C traceparent in gRPC metadata) starts a run whose first task
// runs on an SDK worker process and whose second calls a remote A2A agent (a real @a2a-js/sdk server in
// its own process). Spans are collected by an in-memory exporter; the worker answers with the
// traceparent its assignment carried, and the A2A agent logs the one its HTTP request carried.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { trace, SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '../../../src/app-telemetry.js';
import { RunServiceClient, type StartRunResponse } from '../../../src/api/gen/baton/v1/run.js';
import { AgentServer, until } from '../a2a/agents.js';
import { serve, type Served } from '../workers/harness.js';

const WORKER = fileURLToPath(new URL('../../fixtures/workers/trace-worker.ts', import.meta.url));

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let tmp: string;
let agents: AgentServer;
let server: Served;
let worker: ChildProcess;

beforeAll(async () => {
  telemetry = await startTelemetry({ traces: 'none', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  tmp = mkdtempSync(join(tmpdir(), 'baton-traces-'));
  agents = await AgentServer.start([{ name: 'remote', mode: 'echo' }], join(tmp, 'agents.log'));
  server = await serve(2_000);
  worker = spawn(process.execPath, ['--import', 'tsx', WORKER, server.address, 'tw-1', 'writer'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
  });
}, 60_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  await server?.close();
  await agents?.kill();
  await telemetry?.shutdown();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const source = (a2a: string) => `
workflow:
  name: traced
  version: "1"
  agents:
    writer: { type: llm, capabilities: [write] }
    remote: { type: remote, endpoint: { a2a: "${a2a}" } }
  tasks:
    - id: write
      agent: writer
    - id: ask
      agent: remote
      depends_on: [write]
`;

function startRun(client: RunServiceClient, src: string, md: Metadata): Promise<StartRunResponse> {
  return new Promise((resolve, reject) =>
    client.startRun(
      {
        workflowId: '',
        workflowVersion: '',
        inputData: {},
        executionOptions: undefined,
        requestId: '',
        workflowSource: src,
      },
      md,
      (e, res) => (e ? reject(e) : resolve(res)),
    ),
  );
}

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const traceparentParts = (tp: string) => {
  const [, traceId, spanId] = tp.split('-');
  return { traceId: traceId!, spanId: spanId! };
};

describe('traces', () => {
  it("a StartRun caller's trace contains the run, its worker attempt and its remote A2A call", async () => {
    // The caller's own span, sent as W3C traceparent metadata the way an instrumented client does.
    const caller = trace.getTracer('test').startSpan('caller');
    const { traceId, spanId: callerSpan } = caller.spanContext();
    const md = new Metadata();
    md.set('traceparent', `00-${traceId}-${callerSpan}-01`);
    const client = new RunServiceClient(server.address, credentials.createInsecure());
    const res = await startRun(client, source(agents.url('remote')), md);
    client.close();
    const runId = res.run!.runId;
    const final = await server.app.engine.settled(runId);
    caller.end();
    expect(final.status).toBe('completed');

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const named = (name: string) => spans.filter((s) => s.name === name);

    const rpc = named('baton.v1.RunService/StartRun');
    expect(rpc).toHaveLength(1);
    expect(rpc[0]!.kind).toBe(SpanKind.SERVER);
    expect(parentOf(rpc[0]!)).toBe(callerSpan);
    expect(rpc[0]!.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'StartRun' });

    const runs = named('invoke_workflow traced');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(parentOf(run)).toBe(rpc[0]!.spanContext().spanId);
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'traced',
      'baton.run.id': runId,
      'baton.run.status': 'completed',
    });

    const [write] = named('invoke_agent writer');
    expect(write).toBeDefined();
    expect(write!.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(write!)).toBe(run.spanContext().spanId);
    expect(write!.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'writer',
      'baton.task.key': 'write',
      'baton.outcome': 'completed',
    });

    const [ask] = named('invoke_agent remote');
    expect(ask).toBeDefined();
    expect(ask!.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(ask!)).toBe(run.spanContext().spanId);

    // The worker process got the attempt span's context in its assignment.
    const out = final.units.get('write')!.output as { traceparent: string | null };
    expect(out.traceparent).not.toBeNull();
    expect(traceparentParts(out.traceparent!)).toEqual({ traceId, spanId: write!.spanContext().spanId });

    // The A2A agent got it as an HTTP header on its SendMessage (and any follow-up) request.
    await until(
      () => agents.lines('remote').some((l) => l.event === 'traceparent'),
      'the agent to log a traceparent',
    );
    const sent = agents.lines('remote').filter((l) => l.event === 'traceparent');
    for (const l of sent)
      expect(traceparentParts(l.traceparent!)).toEqual({ traceId, spanId: ask!.spanContext().spanId });

    // Nothing of the run escaped into a trace of its own.
    const elsewhere = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['baton.run.id'] === runId && s.spanContext().traceId !== traceId);
    expect(elsewhere).toEqual([]);
  }, 60_000);
});
