// Hooks in runs of `baton serve --bus redis://...` (a child process): a global notification hook
// created through the SDK reaches a webhook for runs started afterwards, through the bus's hook queue
// (consumed by the server's HookQueueConsumer), and every execution is in the log with its verdict.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type BatonClient } from '../../../sdk/src/index.js';
import { deletePrefix, REDIS_HOST, REDIS_PORT } from '../bus/redis-harness.js';
import { ROOT, startServer, type ServerHandle } from './server.js';

const AGENT = join(ROOT, 'examples/hooks/summarizer.js');
const WORKFLOW = `workflow:
  name: notified
  version: "1"
  agents: { s: { type: s, endpoint: { module: "${AGENT}" } } }
  tasks:
    - { id: one, agent: s, input: { text: '"A sentence. Another."' } }
`;
const prefix = `baton-test-${randomUUID()}`;
let dir: string;
let server: ServerHandle;
let client: BatonClient;
let webhook: Server;
const heard: { runId: string; context: { event?: string } }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-hooks-served-'));
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      heard.push(JSON.parse(body) as (typeof heard)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  server = await startServer({
    dataDir: join(dir, 'data'),
    extraArgs: ['--bus', `redis://127.0.0.1:${REDIS_PORT}?prefix=${prefix}`],
  });
  client = createClient({ address: server.address, deadlineMs: 15_000 });
}, 30_000);
afterAll(async () => {
  client?.close();
  await server?.stop();
  webhook?.close();
  await deletePrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

it('a global notification hook reaches the webhook through the Redis hook queue, and is logged', async () => {
  const before = await client.runs.start({ workflowSource: WORKFLOW });
  const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/n`;
  await client.hooks.create({ name: 'notify', trigger: 'notification', command: url });
  const run = await client.runs.start({ workflowSource: WORKFLOW });
  let logged: { hook: string; verdict: string; mode: string }[] = [];
  for (let i = 0; i < 200; i++) {
    logged = (await client.hooks.executions({ runId: run.runId })).executions;
    if (heard.some((h) => h.context.event === 'RunCompleted') && logged.length === heard.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const events = heard.filter((h) => h.runId === run.runId).map((h) => h.context.event);
  expect(events).toEqual(
    expect.arrayContaining(['RunStarted', 'TaskDispatched', 'TaskCompleted', 'RunCompleted']),
  );
  // The run started before the hook existed is not bound to it.
  expect(heard.some((h) => h.runId === before.runId)).toBe(false);
  expect(logged.length).toBe(events.length);
  expect(logged.every((e) => e.hook === 'notify' && e.verdict === 'allow' && e.mode === 'async')).toBe(true);
  // They went through the namespace's hook stream on Redis, and none is left pending.
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  try {
    const stream = `${prefix}:ns:default:hooks:async`;
    expect(await redis.xlen(stream)).toBeGreaterThanOrEqual(events.length);
    const [pending] = (await redis.xpending(stream, 'hooks')) as [number];
    expect(pending).toBe(0);
  } finally {
    redis.disconnect();
  }
}, 60_000);
