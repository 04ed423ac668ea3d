// Connections of the Redis bus: how they fail (fast, with a coded error), how they come back (ioredis
// reconnects on its own, with a short capped backoff), and how losses and recoveries are reported.

import { Redis } from 'ioredis';
import { BusUnavailableError } from '../bus.js';
import { messageOf, type Reporter } from './report.js';
import { defineScripts, type ScriptedRedis } from './scripts.js';
import { fault } from '../../telemetry/faults.js';

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
}

/** How long a first connection may take before open or subscribe fails. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A quit that gets no answer in this time is cut off. */
const QUIT_TIMEOUT_MS = 1_000;

export const describeEndpoint = (e: RedisEndpoint): string => `redis://${e.host}:${e.port}/${e.db ?? 0}`;

/**
 * Opens a connection and waits until it is ready. `role` names it in Redis (CLIENT LIST) and in reports.
 * Rejects with BusUnavailableError when Redis cannot be reached.
 */
export async function openConnection(
  endpoint: RedisEndpoint,
  role: string,
  reporter: Reporter,
): Promise<ScriptedRedis> {
  const conn = defineScripts(
    new Redis({
      host: endpoint.host,
      port: endpoint.port,
      db: endpoint.db ?? 0,
      ...(endpoint.username !== undefined && { username: endpoint.username }),
      ...(endpoint.password !== undefined && { password: endpoint.password }),
      connectionName: role,
      lazyConnect: true,
      // RESP2 reply shapes, the ones Redis documents for stream commands.
      protocol: 2,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // A command in flight when the connection drops, or queued while it is down, fails at the next
      // failed reconnect attempt instead of waiting: callers get BATON_E_BUS_UNAVAILABLE and decide
      // (subscriptions retry; publishers re-publish from the journal). Retrying here could also run a
      // command twice, and ioredis never settles unfulfilled commands it does not resend.
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(50 * times, 1_000),
    }),
  );
  const where = `${role} ${describeEndpoint(endpoint)}`;
  let down = false;
  let lastError: unknown;
  conn.on('error', (error: unknown) => {
    lastError = error;
    if (down) {
      reporter.tally('connectionErrors');
      return;
    }
    down = true;
    reporter.count('connectionErrors', `${where}: connection lost (${messageOf(error)}); reconnecting`);
  });
  conn.on('ready', () => {
    if (!down) return;
    down = false;
    reporter.count('reconnects', `${where}: reconnected`);
  });
  try {
    await conn.connect();
  } catch (error) {
    conn.disconnect();
    // connect() rejects with "Connection is closed."; the error event said why.
    throw new BusUnavailableError(`connect to ${describeEndpoint(endpoint)}`, undefined, lastError ?? error);
  }
  down = false;
  return conn;
}

/** Quits politely when connected (Redis answers what it was sent first), else drops the socket. */
export async function closeConnection(conn: ScriptedRedis): Promise<void> {
  if (conn.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)));
    await Promise.race([
      conn.quit().catch((e: unknown) => fault('bus.redis', 'closing a connection', e)),
      cutOff,
    ]);
    clearTimeout(timer);
  }
  conn.disconnect();
}

/**
 * The error a caller should see: ioredis reports a command dropped with its connection as "Reached the
 * max retries per request limit", which says nothing about what happened.
 */
export function redisError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') {
    return new Error(
      'the connection to Redis was lost (the command was in flight, or sent while reconnecting)',
      {
        cause: error,
      },
    );
  }
  return error;
}

/** The reply error Redis gives for a stream or group that does not exist. */
export const isNoGroup = (e: unknown): boolean => e instanceof Error && e.message.startsWith('NOGROUP');
