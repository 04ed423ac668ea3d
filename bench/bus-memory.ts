// Throughput of the in-process bus: N messages published in batches, consumed by a consumer group that
// acks each one, and by a broadcast tail; prints JSON (messages per second end to end).

import type { BusMessage } from '../src/bus/bus.js';
import { openMemoryBus } from '../src/bus/memory/memory-bus.js';

const MESSAGES = 200_000;
const BATCH = 500;

// Retention covers the whole run, so the tail (which trimming may skip ahead) sees every message.
const bus = openMemoryBus({ maxLenPerStream: MESSAGES });
let grouped = 0;
let tailed = 0;
let finish!: () => void;
const done = new Promise<void>((resolve) => (finish = resolve));
const check = () => grouped === MESSAGES && tailed === MESSAGES && finish();

await bus.subscribe('bench', { group: 'workers', consumer: 'w1' }, async (m: BusMessage) => {
  await bus.ack(m.stream, 'workers', [m.id]);
  grouped++;
  check();
});
await bus.subscribe('bench', {}, () => {
  tailed++;
  check();
});

const start = performance.now();
for (let i = 0; i < MESSAGES; i += BATCH) {
  const batch = Array.from({ length: BATCH }, (_, j) => ({
    stream: 'bench',
    data: { runId: `run-${(i + j) % 1000}`, type: 'TaskCompleted', seq: i + j },
  }));
  await bus.publishMany(batch);
  // One batch per event-loop turn, as the runtime publishes once per tick.
  await new Promise((resolve) => setImmediate(resolve));
}
await done;
const ms = performance.now() - start;
await bus.close();
console.log(
  JSON.stringify({
    bench: 'bus.memory.publish+group+tail',
    messages: MESSAGES,
    batch: BATCH,
    ms: Math.round(ms),
    messagesPerSecond: Math.round((MESSAGES * 1000) / ms),
  }),
);
