// Runs one Redis subscription on its own connection: reads a batch (a blocking read, so an idle
// subscription costs no polling), hands the handler one message at a time, and survives Redis going away:
// a failed read is reported and retried with backoff until the connection is back.

import type { BusMessage, MessageHandler, Subscription } from '../bus.js';
import { closeConnection } from './connection.js';
import { messageOf, type Reporter } from './report.js';
import type { ScriptedRedis } from './scripts.js';

/** One entry as read: its id, its payload (null when the entry is not one this bus wrote), its count. */
export interface Fetched {
  readonly id: string;
  readonly json: string | null;
  readonly deliveryCount: number;
}

export interface LoopContext {
  /** The subscription's own connection; the loop quits it when it ends. */
  readonly conn: ScriptedRedis;
  /** The stream as the bus's user names it, and its key in Redis. */
  readonly stream: string;
  readonly key: string;
  readonly reporter: Reporter;
  /** Ends a blocking read of the client with this id at once (CLIENT UNBLOCK from another connection). */
  readonly unblock: (clientId: number) => Promise<void>;
  readonly handler: MessageHandler;
  readonly onError: ((error: unknown, message: BusMessage) => void) | undefined;
  readonly onClosed: () => void;
}

/** A blocking read waits at most this long, so a dead peer or a changed claim schedule is noticed. */
export const MAX_BLOCK_MS = 2_000;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1_000;

/** Reads `XREAD`/`XREADGROUP` replies: [[key, [[id, [field, value, ...]], ...]]], or null on timeout. */
export function parseStreamReply(reply: unknown): Fetched[] {
  if (reply === null) return [];
  const [[, entries]] = reply as [[string, [string, string[] | null][]]];
  return entries.map(([id, fields]) => ({ id, json: payloadOf(fields), deliveryCount: 1 }));
}

function payloadOf(fields: string[] | null): string | null {
  if (!fields) return null;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'd') return fields[i + 1]!;
  return null;
}

export abstract class ReadLoop implements Subscription {
  #closing = false;
  /** Set while a blocking read is outstanding: close() must unblock it. */
  #blocked = false;
  /** CLIENT ID of the current connection (a reconnect makes a new client, so it is read again). */
  #clientId: number | undefined;
  #wakeBackoff: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(protected readonly ctx: LoopContext) {
    ctx.conn.on('ready', () => (this.#clientId = undefined));
    this.#done = this.#run();
  }

  /** The next batch: may block (through blocking()) for up to its own limit. */
  protected abstract fetch(): Promise<Fetched[]>;
  /** True when fetched messages have been held so long that they should go back rather than be handled. */
  protected stale(_fetchedAt: number, _now: number): boolean {
    return false;
  }
  /** Hands back messages read but not handled (at close, or when stale). Must not throw. */
  protected release(_rest: readonly Fetched[]): Promise<void> {
    return Promise.resolve();
  }
  /** After a failed fetch: true when it repaired the cause (a lost group recreated) and may retry at once. */
  protected recover(_error: unknown): Promise<boolean> {
    return Promise.resolve(false);
  }
  /** Settles an entry this bus did not write (a group acks it so it is not redelivered forever). */
  protected discard(_id: string): Promise<void> {
    return Promise.resolve();
  }

  /** Sends a blocking read, unless closing; close() unblocks it. */
  protected async blocking(read: () => Promise<unknown>): Promise<unknown> {
    this.#clientId ??= Number(await this.ctx.conn.client('ID'));
    // Checked after the await: a close() that came meanwhile found nothing to unblock.
    if (this.#closing) return null;
    this.#blocked = true;
    try {
      return await read();
    } finally {
      this.#blocked = false;
    }
  }

  async #run(): Promise<void> {
    // Start on a later turn: the handler never runs before subscribe() has handed out this subscription.
    await new Promise((resolve) => setImmediate(resolve));
    /** The last read, delivered up to `next`. */
    let buffer: Fetched[] = [];
    let next = 0;
    let fetchedAt = 0;
    let failures = 0;
    try {
      while (!this.#closing) {
        if (next === buffer.length) {
          try {
            buffer = await this.fetch();
            next = 0;
            fetchedAt = performance.now();
            failures = 0;
          } catch (error) {
            if (this.#closing) break;
            if (await this.recover(error)) continue;
            failures++;
            this.#readFailed(error, failures);
            await this.#backoff(failures);
          }
          continue;
        }
        if (this.stale(fetchedAt, performance.now())) {
          const rest = buffer.slice(next);
          next = buffer.length;
          await this.release(rest);
          continue;
        }
        const delivering = this.#deliver(buffer[next++]!);
        if (delivering) await delivering;
      }
    } catch (error) {
      // Every step above handles its own failures; this is a bug, and the subscription has stopped.
      this.ctx.reporter.count(
        'readErrors',
        `subscription to "${this.ctx.stream}" stopped: ${messageOf(error)}`,
      );
    } finally {
      if (next < buffer.length) await this.release(buffer.slice(next));
      await closeConnection(this.ctx.conn);
    }
  }

  #readFailed(error: unknown, failures: number): void {
    const { reporter, stream } = this.ctx;
    // One line per outage, not per retry; every failure is counted.
    if (failures === 1) {
      reporter.count(
        'readErrors',
        `subscription to "${stream}": read failed (${messageOf(error)}); retrying`,
      );
    } else {
      reporter.tally('readErrors');
    }
  }

  /** Hands one message to the handler; a promise only when there is something to wait for. */
  #deliver(f: Fetched): void | Promise<void> {
    const { reporter, stream } = this.ctx;
    let data: unknown;
    try {
      if (f.json === null) throw new Error('no field "d"');
      data = JSON.parse(f.json);
    } catch (error) {
      reporter.count(
        'malformed',
        `"${stream}" entry ${f.id} was not written by a Baton bus (${messageOf(error)}): skipped`,
      );
      return this.discard(f.id);
    }
    const message: BusMessage = { id: f.id, stream, data, deliveryCount: f.deliveryCount };
    let result: void | Promise<void>;
    try {
      result = this.ctx.handler(message);
    } catch (error) {
      return this.#handlerFailed(error, message);
    }
    // A handler that finished synchronously costs no await: most of a batch is handed on in one go.
    if (result instanceof Promise)
      return result.catch((error: unknown) => this.#handlerFailed(error, message));
  }

  #handlerFailed(error: unknown, message: BusMessage): void {
    const { reporter, stream, onError } = this.ctx;
    if (!onError) {
      reporter.count('handlerErrors', `handler for "${stream}" failed on ${message.id}: ${messageOf(error)}`);
      return;
    }
    reporter.tally('handlerErrors');
    try {
      onError(error, message);
    } catch (e) {
      reporter.count('reporterErrors', `onError for "${stream}" threw: ${messageOf(e)}`);
    }
  }

  #backoff(failures: number): Promise<void> {
    const ms = Math.min(BACKOFF_MIN_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(wake, ms);
      function wake() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeBackoff = wake;
    }).finally(() => (this.#wakeBackoff = undefined));
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#wakeBackoff?.();
      if (this.#blocked && this.#clientId !== undefined) void this.ctx.unblock(this.#clientId);
      this.ctx.onClosed();
    }
    return this.#done;
  }
}
