// Errors as SDK users get them: the server's status + ErrorDetail decoded into BatonError subclasses
// (unit: the server's own encoder against the SDK's decoder; integration: real calls to `baton serve`),
// and retry on UNAVAILABLE only for calls that are safe to repeat.

import { Metadata, Server as GrpcServer, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, toServiceError } from '../../../src/api/errors.js';
import { BatonError as ServerBatonError } from '../../../src/errors/registry.js';
import {
  BatonError,
  createClient,
  DeadlineExceededError,
  decodeError,
  ERROR_DETAIL_KEY,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  UnimplementedError,
  type BatonClient,
} from '../../../sdk/src/index.js';
import { startServer, type ServerHandle } from './server.js';

function serviceError(code: status, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

describe('decodeError', () => {
  it("decodes the server's ErrorDetail: class by status, registry code, field path, line:col, hint", () => {
    const sent = toServiceError(
      new ApiError('BATON_E_CYCLE', 'a -> b -> a', {
        fieldPath: 'workflow.tasks.1',
        line: 9,
        column: 7,
        hint: 'drop one',
      }),
    );
    const err = decodeError(sent);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toBeInstanceOf(BatonError);
    expect(err).toMatchObject({
      name: 'InvalidArgumentError',
      category: 'invalid_argument',
      code: 'BATON_E_CYCLE',
      grpcStatus: status.INVALID_ARGUMENT,
      message: 'a -> b -> a',
      fieldPath: 'workflow.tasks.1',
      line: 9,
      column: 7,
      hint: 'drop one',
      retryable: false,
    });
  });

  it('keeps the retryable flag the server set and marks every UNAVAILABLE retryable', () => {
    const locked = decodeError(
      toServiceError(new ServerBatonError('BATON_E_STORE_UNAVAILABLE', 'database is locked')),
    );
    expect(locked).toBeInstanceOf(UnavailableError);
    expect(locked).toMatchObject({ code: 'BATON_E_STORE_UNAVAILABLE', retryable: true });
    const dropped = decodeError(serviceError(status.UNAVAILABLE, 'Connection dropped'));
    expect(dropped).toMatchObject({
      code: 'GRPC_UNAVAILABLE',
      message: 'Connection dropped',
      retryable: true,
    });
  });

  it('names the gRPC status when the server sent no detail, and survives a garbled one', () => {
    const bare = decodeError(serviceError(status.NOT_FOUND, 'no such thing'));
    expect(bare).toBeInstanceOf(NotFoundError);
    expect(bare).toMatchObject({ code: 'GRPC_NOT_FOUND', message: 'no such thing', fieldPath: '', line: 0 });
    const garbled = new Metadata();
    garbled.set(ERROR_DETAIL_KEY, Buffer.from([0xff, 0xff, 0xff]));
    const err = decodeError(serviceError(status.FAILED_PRECONDITION, 'run is over', garbled));
    expect(err).toMatchObject({ category: 'failed_precondition', code: 'GRPC_FAILED_PRECONDITION' });
  });

  it('turns a status with no class of its own into a plain BatonError, and a non-gRPC error into InternalError', () => {
    const unknown = decodeError(serviceError(status.DATA_LOSS, 'lost'));
    expect(unknown.constructor).toBe(BatonError);
    expect(unknown).toMatchObject({ category: 'other', code: 'GRPC_DATA_LOSS' });
    const bug = decodeError(new TypeError('x is undefined'));
    expect(bug).toBeInstanceOf(InternalError);
    expect(bug.cause).toBeInstanceOf(TypeError);
  });
});

describe('against baton serve', () => {
  let dir: string;
  let server: ServerHandle;
  let client: BatonClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-sdk-errors-'));
    server = await startServer({ dataDir: join(dir, 'data') });
    client = createClient({ address: server.address, deadlineMs: 10_000 });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an unknown run is a NotFoundError with the registry code', async () => {
    const err = await client.runs.get('run_nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'BATON_E_RUN_NOT_FOUND', grpcStatus: status.NOT_FOUND });
  });

  it('an invalid workflow is an InvalidArgumentError located at its line and column', async () => {
    const source =
      'workflow:\n  name: w\n  version: "1"\n  agents: { x: { type: t } }\n  tasks:\n    - { id: a, agent: ghost }\n';
    const err = (await client.workflows.plan({ source }).catch((e: unknown) => e)) as BatonError;
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.code).toBe('BATON_E_UNKNOWN_AGENT');
    expect(err.fieldPath).toBe('workflow.tasks.0.agent');
    expect([err.line, err.column]).toEqual([6, 23]);
    // validate reports the same problem as a diagnostic instead of failing.
    const checked = await client.workflows.validate({ source });
    expect(checked.valid).toBe(false);
    expect(checked.diagnostics[0]).toMatchObject({ code: 'BATON_E_UNKNOWN_AGENT', line: 6 });
  });

  it('watching an unknown run throws NotFoundError at once instead of reconnecting', async () => {
    const watching = client.runs.watch('run_nope');
    await expect(watching.next()).rejects.toMatchObject({
      name: 'NotFoundError',
      code: 'BATON_E_RUN_NOT_FOUND',
    });
  });

  it('a service the server does not have (an older server) is an UnimplementedError', async () => {
    // A bare grpc-js server with no Baton services stands in for a server that predates a service.
    const bare = new GrpcServer();
    const port = await new Promise<number>((resolve, reject) =>
      bare.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    const old = createClient({ address: `127.0.0.1:${port}` });
    try {
      await expect(old.workflows.list()).rejects.toBeInstanceOf(UnimplementedError);
    } finally {
      old.close();
      bare.forceShutdown();
    }
  });

  it('an aborted call rejects with the AbortSignal reason and the client goes on working', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user gave up'));
    await expect(client.workflows.validate({ source: 'x' }, { signal: controller.signal })).rejects.toThrow(
      'user gave up',
    );
    const watching = client.runs.watch('run_nope', { signal: AbortSignal.abort() });
    await expect(watching.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect((await client.workflows.validate({ source: 'workflow: {}' })).valid).toBe(false);
  });
});

describe('retry on UNAVAILABLE', () => {
  async function freePort(): Promise<number> {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }

  it('repeats a safe call until the server comes up, but never a start without an idempotency key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-sdk-retry-'));
    const address = `127.0.0.1:${await freePort()}`;
    const client = createClient({
      address,
      retry: { maxAttempts: 60, initialBackoffMs: 50, maxBackoffMs: 250 },
    });
    let server: ServerHandle | undefined;
    try {
      // Both calls go out while nothing listens; the server comes up while the safe one is retrying.
      const unsafe = client.runs.start({ workflowSource: 'workflow: {}' }).catch((e: unknown) => e);
      const validated = client.workflows.validate({ source: 'workflow: {}' });
      server = await startServer({ dataDir: join(dir, 'data'), listen: address });
      expect((await validated).valid).toBe(false);
      expect(await unsafe).toBeInstanceOf(UnavailableError);
    } finally {
      client.close();
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('deadlines', () => {
  it('a server that accepts the connection but never answers ends the call at its deadline', async () => {
    // A TCP listener that never speaks HTTP/2: the call can neither fail fast nor succeed.
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = createClient({ address: `127.0.0.1:${port}`, deadlineMs: 300 });
    try {
      const err = await client.workflows.validate({ source: 'workflow: {}' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineExceededError);
      expect(err).toMatchObject({ code: 'GRPC_DEADLINE_EXCEEDED', retryable: false });
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);
});
