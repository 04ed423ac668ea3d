// A worker that writes to its Work stream without reading it: every result it sends is answered (a
// receipt), and the server held each answer it could not write, without bound (in the server's memory
// for as long as the stream lived). Past agent-work.ts MAX_QUEUED messages the stream now ends with
// RESOURCE_EXHAUSTED BATON_E_WORKER_TOO_SLOW. The worker here is a raw HTTP/2 client that stops
// reading (grpc-js's own client keeps reading into its memory when paused, so it never pushes back).

import { connect, constants, type ClientHttp2Stream } from 'node:http2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WorkerHub } from '../../../src/agents/worker-hub.js';
import { ErrorDetail } from '../../../src/api/gen/baton/v1/errors.js';
import { WorkRequest } from '../../../src/api/gen/baton/v1/agent.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

let api: BatonServer;
let address: string;

beforeAll(async () => {
  api = createServer({ workers: new WorkerHub() });
  address = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
});

/** One gRPC message frame: uncompressed flag, big-endian length, the message. */
function frame(req: WorkRequest): Buffer {
  const body = WorkRequest.encode(req).finish();
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

const write = (stream: ClientHttp2Stream, data: Buffer): Promise<void> =>
  new Promise((resolve) => {
    if (stream.write(data)) resolve();
    else stream.once('drain', () => resolve());
  });

it('ends the stream of a worker that sends without reading once too many answers wait for it', async () => {
  const session = connect(`http://${address}`);
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: '/baton.v1.AgentService/Work',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const trailers = new Promise<Record<string, unknown>>((resolve) =>
    stream.on('trailers', (t: Record<string, unknown>) => resolve(t)),
  );
  // Never read: once the stream's window is used up the server cannot write to it.
  stream.pause();
  await write(
    stream,
    frame(WorkRequest.fromPartial({ hello: { workerId: 'flooder', agentIds: ['q'], capacity: 1 } })),
  );
  // Results for work it never had, each with a message id: each is answered (accepted: false).
  // 10,000 past the bound (agent-work.ts MAX_QUEUED, 20,000).
  const total = 30_000;
  for (let i = 0; i < total; i++)
    await write(
      stream,
      frame(WorkRequest.fromPartial({ result: { leaseId: `lease-${i}`, messageId: `m-${i}`, outputs: {} } })),
    );
  // Now read: what the server wrote before it gave up, then its status.
  stream.resume();
  stream.on('data', () => undefined);
  const timeout = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 10_000).unref());
  const end = await Promise.race([trailers, timeout]);
  session.destroy();
  expect(end, 'the stream was still open 10 s after the last result').not.toBe('open');
  const t = end as Record<string, string>;
  expect(t['grpc-status']).toBe('8'); // RESOURCE_EXHAUSTED
  const detail = ErrorDetail.decode(Buffer.from(t['baton-error-bin']!, 'base64'));
  expect(detail).toMatchObject({ code: 'BATON_E_WORKER_TOO_SLOW', retryable: true });
}, 60_000);
