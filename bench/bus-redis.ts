// Event routing through the Redis Streams bus beside the in-process bus, in the same run: messages per
// second from publishMany batches to a consumer group that acks each one, and publish -> group handler
// latency (p50/p99), with the CPU time each message costs the process and Redis. Prints JSON lines.
// Redis: a redis-server of its own (default), or BATON_BENCH_REDIS=redis://HOST:PORT under a key prefix of
// its own that is deleted afterwards. DESIGN's budget: >= 100,000 events/s per instance.

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Bus, BusMessage } from '../src/bus/bus.js';
import { parseBusUrl } from '../src/bus/bus-url.js';
import { openMemoryBus } from '../src/bus/memory/memory-bus.js';
import { openRedisBus } from '../src/bus/redis/redis-bus.js';
import { startBenchRedis } from './redis-server.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const AWAITED = Number(process.env.BENCH_AWAITED_MESSAGES ?? 20_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2_000);
const READ_BATCH = Number(process.env.BENCH_READ_BATCH ?? 100);
const own = process.env.BATON_BENCH_REDIS === undefined ? await startBenchRedis() : undefined;
const target = (() => {
  const t = parseBusUrl(process.env.BATON_BENCH_REDIS ?? `redis://127.0.0.1:${own!.port}`);
  if (t.kind !== 'redis') throw new Error('BATON_BENCH_REDIS must be a redis:// URL');
  return t;
})();
const redisLabel = own ? 'own redis-server' : 'shared (server CPU includes other clients)';
const prefix = `baton-bench-${randomUUID()}`;

const round = (n: number) => Math.round(n * 1000) / 1000;
const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

type Opener = { name: 'memory' | 'redis'; open: () => Promise<Bus> };
const adapters: Opener[] = [
  { name: 'memory', open: () => Promise.resolve(openMemoryBus()) },
  { name: 'redis', open: () => openRedisBus({ ...target, prefix, readBatch: READ_BATCH }) },
];

/** CPU seconds Redis has used (all its threads), from INFO. */
async function serverCpu(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Runs fn, returning the CPU µs per message it cost this process and (for Redis) the server. */
async function cpuPerMessage(
  n: number,
  adapter: string,
  fn: () => Promise<void>,
): Promise<Record<string, number>> {
  const admin =
    adapter === 'redis' ? new Redis({ host: target.host, port: target.port, db: target.db }) : undefined;
  const server0 = admin ? await serverCpu(admin) : 0;
  const client0 = process.cpuUsage();
  await fn();
  const client = process.cpuUsage(client0);
  const out: Record<string, number> = { clientCpuUsPerMessage: round((client.user + client.system) / n) };
  if (admin) {
    out.serverCpuUsPerMessage = round((((await serverCpu(admin)) - server0) * 1e6) / n);
    admin.disconnect();
  }
  return out;
}

const payload = (i: number) => ({ runId: `run-${i % 1000}`, type: 'TaskCompleted', seq: i });

/**
 * publishMany in batches (one per event-loop turn, as the runtime's group commit publishes) while one
 * consumer of a group acks every message. `acks: 'pipelined'`: the handler returns once it has asked for
 * the ack (a worker hub handing tasks on does this), so acks of one read go to Redis together;
 * `'awaited'`: the handler waits for each ack's answer before the next message, one round trip each.
 */
async function throughput(
  a: Opener,
  n: number,
  acks: 'pipelined' | 'awaited',
  calls: 'publishMany' | 'publish' = 'publishMany',
): Promise<void> {
  const bus = await a.open();
  const stream = `bench:${acks}:${randomUUID()}`;
  // Acks are counted as they settle, not kept: holding 200,000 promises would be the benchmark's own cost.
  let handled = 0;
  let settled = 0;
  let acked = 0;
  let ackErrors = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const check = () => handled === n && settled === n && finish();
  await bus.subscribe(stream, { group: 'workers', consumer: 'w1' }, async (m: BusMessage) => {
    const ack = bus.ack(m.stream, 'workers', [m.id]).then(
      (k) => {
        acked += k;
        settled++;
        check();
      },
      () => {
        ackErrors++;
        settled++;
        check();
      },
    );
    if (acks === 'awaited') await ack;
    handled++;
    check();
  });
  let ms = 0;
  const cpu = await cpuPerMessage(n, a.name, async () => {
    const start = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      const size = Math.min(BATCH, n - i);
      if (calls === 'publishMany')
        await bus.publishMany(Array.from({ length: size }, (_, j) => ({ stream, data: payload(i + j) })));
      // One publish() per event, as a run's turn publishes them: the bus groups the turn's calls.
      else await Promise.all(Array.from({ length: size }, (_, j) => bus.publish(stream, payload(i + j))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    ms = performance.now() - start;
  });
  const pending = await bus.pending(stream, 'workers');
  await bus.close();
  print({
    bench: 'bus.publish+group+ack',
    adapter: a.name,
    acks,
    calls,
    messages: n,
    batch: BATCH,
    ...(a.name === 'redis' && { readBatch: READ_BATCH }),
    ms: Math.round(ms),
    messagesPerSecond: Math.round((n * 1000) / ms),
    ...(a.name === 'redis' &&
      floorXadd > 0 && {
        ofXaddFloor: round((n * 1000) / ms / floorXadd),
        ofRouteFloor: round((n * 1000) / ms / floorRoute),
      }),
    ...cpu,
    acked,
    ackErrors,
    pending,
    ...(a.name === 'redis' && { redis: redisLabel }),
  });
}

/** One message at a time: publish() called -> the group's handler runs, after the previous one arrived. */
async function latency(a: Opener): Promise<void> {
  const bus = await a.open();
  const stream = `bench:latency:${randomUUID()}`;
  let arrived: ((t: number) => void) | undefined;
  await bus.subscribe(stream, { group: 'workers', consumer: 'w1' }, async (m) => {
    arrived?.(performance.now());
    await bus.ack(m.stream, 'workers', [m.id]);
  });
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES + 100; i++) {
    const got = new Promise<number>((resolve) => (arrived = resolve));
    const sent = performance.now();
    await bus.publish(stream, payload(i));
    const at = await got;
    if (i >= 100) ms.push(at - sent); // the first 100 warm up the JIT and the connections
  }
  await bus.close();
  ms.sort((x, y) => x - y);
  const q = (p: number) => round(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!);
  print({
    bench: 'bus.publish->group.latency',
    adapter: a.name,
    samples: ms.length,
    p50_ms: q(0.5),
    p99_ms: q(0.99),
  });
}

/** The floor's raw pipelined XADD rate, for the ratios of the cases after it (same process, same window). */
let floorXadd = 0;
/** The floor's XADD then XREADGROUP + XACK of each message, one after the other: a route done by hand. */
let floorRoute = 0;

/** The client's ceiling in the same window: raw pipelined XADD, and XREADGROUP + one XACK per read. */
async function floor(): Promise<void> {
  const r = new Redis({ host: target.host, port: target.port, db: target.db, protocol: 2 });
  const key = `${prefix}:floor`;
  const n = Math.min(MESSAGES, 100_000);
  let xadd = 0;
  let readAck = 0;
  // XADD then XREADGROUP + XACK, one after the other: their CPU per message adds up to a full route.
  const cpu = await cpuPerMessage(n, 'redis', async () => {
    let start = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      const p = r.pipeline();
      for (let j = 0; j < BATCH && i + j < n; j++) p.xadd(key, '*', 'd', JSON.stringify(payload(i + j)));
      await p.exec();
    }
    xadd = (n * 1000) / (performance.now() - start);
    floorXadd = xadd;
    await r.xgroup('CREATE', key, 'g', '0');
    start = performance.now();
    for (let read = 0; read < n;) {
      const reply = (await r.xreadgroup('GROUP', 'g', 'c', 'COUNT', BATCH, 'STREAMS', key, '>')) as [
        string,
        [string, string[]][],
      ][];
      const ids = reply[0]![1].map(([id, f]) => (JSON.parse(f[1]!) as unknown, id));
      await r.xack(key, 'g', ...ids);
      read += ids.length;
    }
    readAck = (n * 1000) / (performance.now() - start);
    floorRoute = 1 / (1 / xadd + 1 / readAck);
  });
  r.disconnect();
  print({
    bench: 'redis.client.floor',
    messages: n,
    batch: BATCH,
    xaddPipelinedPerSecond: Math.round(xadd),
    xreadgroupXackPerSecond: Math.round(readAck),
    routePerSecond: Math.round(floorRoute),
    ...cpu,
    redis: redisLabel,
  });
}

async function cleanup(): Promise<void> {
  const r = new Redis({ host: target.host, port: target.port, db: target.db });
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

try {
  await floor();
  for (const a of adapters) await throughput(a, MESSAGES, 'pipelined');
  for (const a of adapters) await throughput(a, MESSAGES, 'pipelined', 'publish');
  for (const a of adapters) await throughput(a, AWAITED, 'awaited');
  for (const a of adapters) await latency(a);
} finally {
  await cleanup();
  await own?.stop();
}
