// Traces over OTLP/HTTP from the built CLI to a receiver in this test (a plain node http server decoding
// the OTLP JSON encoding), configured only by the standard OTEL_* variables. `baton run` joins the trace
// TRACEPARENT names, is killed with SIGKILL mid-run, and `baton resume` goes on: every span of the run,
// from both processes, is in that one trace, and the resumed run's span hangs under the first one.

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface Received {
  readonly service: string | undefined;
  readonly span: OtlpSpan;
}

const tmp = tempDir();
const received: Received[] = [];
const contentTypes = new Set<string>();
let receiver: Server;
let endpoint: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: {
          resource?: { attributes?: { key: string; value: OtlpValue }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ service, span });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  tmp.cleanup();
});

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const WORKFLOW = `workflow:
  name: traced_chain
  version: "1"
  agents:
    worker: { type: worker, endpoint: { module: "${AGENT}" } }
  tasks:
    - { id: a, agent: worker }
    - { id: b, agent: worker, depends_on: [a] }
    - { id: c, agent: worker, depends_on: [b] }
`;

const attr = (s: OtlpSpan, key: string): OtlpValue | undefined =>
  s.attributes?.find((a) => a.key === key)?.value;

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

describe('traces over OTLP/HTTP', () => {
  it('a run killed with SIGKILL and resumed stays one trace, the caller’s', async () => {
    const wf = join(tmp.dir, 'wf.yaml');
    const effects = join(tmp.dir, 'effects.log');
    const data = join(tmp.dir, 'data');
    writeFileSync(wf, WORKFLOW);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const env = {
      ...process.env,
      NO_COLOR: '1',
      BATON_SIDE_EFFECTS: effects,
      BATON_AGENT_DELAY_MS: '400',
      TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01`,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: 'baton-e2e',
      OTEL_BSP_SCHEDULE_DELAY: '20',
    };

    // `baton run`, killed once task b has started (a's span was exported meanwhile: a finished 400 ms before).
    const runId = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/baton.js'), 'run', wf, '--data-dir', data], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const poll = setInterval(() => {
        if (lines(effects).length >= 2) {
          clearInterval(poll);
          // The batch processor exports every 20 ms: give it a few rounds before the kill.
          setTimeout(() => child.kill('SIGKILL'), 150);
        }
      }, 5);
      child.on('close', () => {
        clearInterval(poll);
        const id = /run (run_\w+)/.exec(stderr)?.[1];
        if (id) resolve(id);
        else reject(new Error(`no run id in: ${stderr}`));
      });
    });
    const beforeResume = received.length;
    expect(beforeResume, 'spans exported before the kill').toBeGreaterThan(0);

    const resumed = await baton(['resume', runId, '--data-dir', data], { env });
    expect(resumed.code, resumed.stderr).toBe(0);

    const ofRun = received.filter((r) => attr(r.span, 'baton.run.id')?.stringValue === runId);
    expect(new Set(ofRun.map((r) => r.span.traceId))).toEqual(new Set([traceId]));
    expect(new Set(received.map((r) => r.service))).toEqual(new Set(['baton-e2e']));
    expect([...contentTypes][0]).toMatch(/^POST \/v1\/traces application\/json/);

    // The first process's run span never ended (killed), but its attempts name it as their parent; the
    // resumed run's span is its child, and the re-issued and later attempts are the resumed span's.
    const first = ofRun.find(
      (r) => r.span.name === 'invoke_agent worker' && attr(r.span, 'baton.task.key')?.stringValue === 'a',
    );
    expect(first).toBeDefined();
    const originalRunSpan = first!.span.parentSpanId;
    const runSpans = ofRun.filter((r) => r.span.name === 'invoke_workflow traced_chain');
    expect(runSpans).toHaveLength(1);
    const again = runSpans[0]!.span;
    expect(attr(again, 'baton.run.resumed')?.boolValue).toBe(true);
    expect(attr(again, 'baton.run.status')?.stringValue).toBe('completed');
    expect(again.parentSpanId).toBe(originalRunSpan);
    const later = ofRun.filter(
      (r) => r.span.name === 'invoke_agent worker' && attr(r.span, 'baton.task.key')?.stringValue === 'c',
    );
    expect(later).toHaveLength(1);
    expect(later[0]!.span.parentSpanId).toBe(again.spanId);
    expect(later[0]!.span.kind).toBe(1); // SPAN_KIND_INTERNAL: an in-process module
  }, 60_000);
});
