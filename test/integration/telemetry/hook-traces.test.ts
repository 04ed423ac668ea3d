// Hooks join the run's trace: each blocking chain is a `baton.hooks {trigger}` span of the run's trace,
// an exec hook gets its traceparent as TRACEPARENT, a tool call through ctx.tool is an `execute_tool
// {kind}` span, and hook executions are counted in baton_hook_* metrics. In-memory span exporter, the
// engine over SQLite, exec hooks as real processes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '../../../src/app-telemetry.js';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { Workflow } from '../../../src/spec/schema.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let dir: string;
let app: App;

beforeAll(async () => {
  telemetry = await startTelemetry({ traces: 'none', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  dir = mkdtempSync(join(tmpdir(), 'baton-hook-traces-'));
  app = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    adapterFor: () => inProcessAdapter((ctx) => ctx.tool('command', { cmd: 'make test' }, () => 'ok')),
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await telemetry?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hooks in the run trace', () => {
  it('a pre_task exec hook sees the trace in TRACEPARENT; chains and tool calls are spans of the run trace', async () => {
    const spec = Workflow.parse({
      name: 'traced_hooks',
      version: '1',
      agents: { a: { type: 't', capabilities: ['x'] } },
      tasks: [{ id: 'one', agent: 'a' }],
      hooks: [
        {
          name: 'tp',
          trigger: 'pre_task',
          command: 'sh',
          // A warn verdict whose message is the hook's TRACEPARENT: the journal shows what it received.
          args: ['-c', 'printf \'{"verdict":"warn","message":"%s"}\' "$TRACEPARENT"'],
        },
        { name: 'ok', trigger: 'pre_command', command: 'sh', args: ['-c', 'echo \'{"verdict":"allow"}\''] },
      ],
    });
    const run = await app.engine.start(spec, {});
    const s = await app.engine.settled(run.runId);
    expect(s.status).toBe('completed');
    const decided = (await app.store.read('default', run.runId))
      .filter((r) => r.type === 'HookDecided')
      .map((r) => r.data as { trigger: string; message?: string });
    const pre = decided.find((d) => d.trigger === 'pre_task');
    expect(pre?.message).toMatch(/tp: 00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]/);

    const spans = exporter.getFinishedSpans();
    const root = spans.find((x) => x.name === 'invoke_workflow traced_hooks');
    expect(root).toBeDefined();
    const traceId = root!.spanContext().traceId;
    const chain = spans.find((x) => x.name === 'baton.hooks pre_task');
    expect(chain?.spanContext().traceId).toBe(traceId);
    // The hook's TRACEPARENT names the chain's span: a traced hook process is its child.
    expect(pre!.message).toContain(`${traceId}-${chain!.spanContext().spanId}`);
    const tool = spans.find((x) => x.name === 'execute_tool command');
    expect(tool?.spanContext().traceId).toBe(traceId);
    expect(tool?.attributes['gen_ai.tool.name']).toBe('command');
    const toolChain = spans.find((x) => x.name === 'baton.hooks pre_command');
    expect(toolChain?.parentSpanContext?.spanId).toBe(tool!.spanContext().spanId);
  }, 60_000);
});
