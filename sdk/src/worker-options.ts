// createWorker's options and handle, and the options compiled once: defaults filled, bad values
// refused with a message naming the option.

import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import { compileRetry } from './retry.js';
import type { WorkerEvent } from './worker-events.js';
import type { ResultCacheOptions } from './worker-results.js';
import type { TaskHandler } from './worker-task.js';

export interface WorkerOptions {
  /** HOST:PORT of a `baton serve`. */
  readonly address: string;
  /** Stable across restarts so leases survive a reconnect (default `<hostname>-<pid>`). */
  readonly workerId?: string;
  /** Agent ids this worker serves (agents without an endpoint route by id). */
  readonly agents?: readonly string[];
  /** Queue names this worker serves (agents with `endpoint: { queue }`). */
  readonly queues?: readonly string[];
  /** Informational; shown by ListAgents for agents nobody registered. */
  readonly capabilities?: readonly string[];
  /** The most assignments held at once (1..10000). */
  readonly capacity: number;
  readonly handler: TaskHandler;
  /**
   * Finished results remembered by message id, so work delivered again is answered without running
   * the handler twice: `max` entries (default 10,000, least recently used forgotten first), kept in
   * `file` too when given (a worker restarted with the same workerId and file remembers them).
   */
  readonly results?: ResultCacheOptions;
  /** How long close() lets in-flight work finish before aborting it (default 30 s). */
  readonly drainGraceMs?: number;
  /** Backoff between reconnections (default 100 ms doubling to 5 s, full jitter); retries never give up. */
  readonly reconnect?: { readonly initialBackoffMs?: number; readonly maxBackoffMs?: number };
  /** Every notable thing the worker does, typed; the worker itself never logs. */
  readonly onEvent?: (event: WorkerEvent) => void;
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
}

export interface Worker {
  readonly workerId: string;
  /** Resolves once connected and welcomed the first time. */
  readonly ready: Promise<void>;
  /** Resolves when the worker has stopped: after close(), or a fatal error (see the 'stopped' event). */
  readonly done: Promise<void>;
  /** Assignments whose handler is running now. */
  readonly inFlight: number;
  /** Drains and stops: see WorkerOptions.drainGraceMs. Idempotent. */
  close(): Promise<void>;
}

const MAX_CAPACITY = 10_000;

export function compileOptions(o: WorkerOptions) {
  const routes = [...(o.agents ?? []), ...(o.queues ?? [])];
  if (!o.address) throw new TypeError('createWorker: address is required (HOST:PORT)');
  if (routes.length === 0) throw new TypeError('createWorker: give at least one of agents or queues');
  const empty = routes.findIndex((r) => !r);
  if (empty >= 0) throw new TypeError('createWorker: agents and queues must not hold empty names');
  if (!Number.isInteger(o.capacity) || o.capacity < 1 || o.capacity > MAX_CAPACITY)
    throw new RangeError(
      `createWorker: capacity must be an integer in 1..${MAX_CAPACITY}, got ${o.capacity}`,
    );
  if (typeof o.handler !== 'function') throw new TypeError('createWorker: handler must be a function');
  const retry = compileRetry({
    maxAttempts: Number.MAX_SAFE_INTEGER,
    initialBackoffMs: o.reconnect?.initialBackoffMs ?? 100,
    maxBackoffMs: o.reconnect?.maxBackoffMs ?? 5000,
  });
  return { routes, retry, drainGraceMs: o.drainGraceMs ?? 30_000 };
}
