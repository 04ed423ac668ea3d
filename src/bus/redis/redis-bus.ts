// The Redis Streams Bus: the same contract as the in-process bus (test/conformance/bus-suite.ts), over
// streams keyed `<prefix>:<stream>`, consumer groups, XACK and XAUTOCLAIM. Redis is transport, never the
// record: what it loses (a restart without persistence) the runtime re-publishes from its journal.

import {
  BusClosedError,
  BusInvalidArgumentError,
  BusUnavailableError,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  FROM_END,
  FROM_START,
  isGroupSubscription,
  parseMessageId,
  retention,
  type Bus,
  type GroupSubscribeOptions,
  type MessageHandler,
  type MessageId,
  type OutgoingMessage,
  type RetentionOptions,
  type SubscribeOptions,
  type Subscription,
  type TailSubscribeOptions,
} from '../bus.js';
import { BatonError } from '../../errors/registry.js';
import { AckBatcher } from './ack.js';
import {
  closeConnection,
  describeEndpoint,
  isNoGroup,
  openConnection,
  redisError,
  type RedisEndpoint,
} from './connection.js';
import { GroupReader } from './group-reader.js';
import { PublishBatcher } from './publish.js';
import type { LoopContext, ReadLoop } from './read-loop.js';
import { consoleLog, messageOf, Reporter, type Log, type RedisBusStats } from './report.js';
import type { ScriptedRedis } from './scripts.js';
import { TailReader } from './tail-reader.js';

export interface RedisBusOptions extends RedisEndpoint, RetentionOptions {
  /** Every key is `<prefix>:<stream>`: one prefix per deployment (tests use one each). */
  readonly prefix: string;
  /** Messages a subscription reads from Redis at once (default 100). */
  readonly readBatch?: number;
  /** Where losses and recoveries are logged (default: stderr, prefixed `baton bus.redis:`). */
  readonly log?: Log;
}

export interface RedisBus extends Bus {
  /** What the bus recovered from or reported so far (connection losses, failed reads, recreated groups). */
  stats(): Readonly<RedisBusStats>;
}

const MAX_ID_PART = 2n ** 64n - 1n;

/** An id as Redis writes it: at most 19 digits a part is always below 2^64 (the check of every ack). */
const PLAIN_ID = /^(?:0|[1-9]\d{0,18})-(?:0|[1-9]\d{0,18})$/;

/** A message id as Redis takes it (`<ms>-<seq>`, each part < 2^64); BusInvalidArgumentError otherwise. */
function redisId(id: MessageId): string {
  if (PLAIN_ID.test(id)) return id;
  const [ms, seq] = parseMessageId(id);
  if (ms > MAX_ID_PART || seq > MAX_ID_PART) {
    throw new BusInvalidArgumentError(`"${id}" is not a message id (each part must be below 2^64)`);
  }
  return `${ms}-${seq}`;
}

function requireName(what: string, value: string): void {
  if (value === '') throw new BusInvalidArgumentError(`${what} must not be empty`);
}

/** Connects (failing with BATON_E_BUS_UNAVAILABLE when Redis cannot be reached) and returns the bus. */
export async function openRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const limits = retention(options);
  const batch = options.readBatch ?? 100;
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new BusInvalidArgumentError(`readBatch must be an integer >= 1, got ${batch}`);
  }
  requireName('prefix', options.prefix);
  const reporter = new Reporter(options.log ?? consoleLog);
  const conn = await openConnection(options, 'baton-bus', reporter);
  try {
    await requireVersion(conn);
  } catch (error) {
    conn.disconnect();
    throw new BusUnavailableError(`connect to ${describeEndpoint(options)}`, undefined, redisError(error));
  }
  return new RedisStreamsBus(options, conn, reporter, { ...limits, batch });
}

/** XAUTOCLAIM, XTRIM MINID and exclusive ranges came with Redis 6.2. */
async function requireVersion(conn: ScriptedRedis): Promise<void> {
  const info = await conn.info('server');
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (version && Number(version[1]) * 100 + Number(version[2]) < 602) {
    throw new Error(`the bus needs Redis 6.2 or newer; this server is ${version[1]}.${version[2]}`);
  }
}

class RedisStreamsBus implements RedisBus {
  readonly #loops = new Set<ReadLoop>();
  readonly #acks: AckBatcher;
  readonly #publish: PublishBatcher;
  #closed: Promise<void> | undefined;

  constructor(
    private readonly options: RedisBusOptions,
    private readonly conn: ScriptedRedis,
    private readonly reporter: Reporter,
    private readonly limits: { maxLen: number; maxAgeMs: number | undefined; batch: number },
  ) {
    this.#acks = new AckBatcher(conn, reporter);
    this.#publish = new PublishBatcher({
      conn,
      keyOf: (stream) => this.#key(stream),
      maxLen: limits.maxLen,
      maxAgeMs: limits.maxAgeMs ?? 0,
    });
  }

  #key(stream: string): string {
    return `${this.options.prefix}:${stream}`;
  }

  /**
   * Runs a call, refusing it after close. Its own coded errors pass through; anything else is Redis
   * failing, which becomes BusUnavailableError naming the operation and the stream.
   */
  async #do<T>(operation: string, stream: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.#closed)
      throw new BusClosedError(stream === undefined ? operation : `${operation} on "${stream}"`);
    try {
      return await fn();
    } catch (error) {
      if (error instanceof BatonError) throw error;
      throw new BusUnavailableError(operation, stream, redisError(error));
    }
  }

  publish(stream: string, data: unknown): Promise<MessageId> {
    return this.publishMany([{ stream, data }]).then(([id]) => id!);
  }

  publishMany(messages: readonly OutgoingMessage[]): Promise<MessageId[]> {
    return this.#do('publish', messages[0]?.stream, async () => {
      messages.forEach((m) => requireName('stream name', m.stream));
      try {
        const ids = await this.#publish.publish(messages);
        this.reporter.succeeded('publish');
        return ids;
      } catch (error) {
        if (error instanceof BusUnavailableError) {
          this.reporter.failed('publish', 'publishErrors', error.message);
        }
        throw error;
      }
    });
  }

  subscribe(stream: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    return this.#do('subscribe', stream, async () => {
      requireName('stream name', stream);
      const reader = isGroupSubscription(options)
        ? await this.#groupReader(stream, options)
        : await this.#tailReader(stream, options);
      const conn = await openConnection(this.options, 'baton-bus-sub', this.reporter).catch(
        (error: unknown) => {
          throw new BusUnavailableError('subscribe', stream, (error as Error).cause ?? error);
        },
      );
      if (this.#closed) {
        await closeConnection(conn);
        throw new BusClosedError(`subscribe on "${stream}"`);
      }
      const loop: ReadLoop = reader({
        conn,
        stream,
        key: this.#key(stream),
        reporter: this.reporter,
        unblock: (id) => this.#unblock(id),
        handler,
        onError: options.onError,
        onClosed: () => this.#loops.delete(loop),
      });
      this.#loops.add(loop);
      return loop;
    });
  }

  /** Creates the group unless it exists (then fromId is ignored, as the contract says). */
  async #groupReader(stream: string, o: GroupSubscribeOptions): Promise<(ctx: LoopContext) => ReadLoop> {
    requireName('group', o.group);
    requireName('consumer', o.consumer);
    const timeout = o.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    if (!(timeout > 0 && Number.isFinite(timeout))) {
      throw new BusInvalidArgumentError(
        `visibilityTimeoutMs must be a positive number of ms, got ${timeout}`,
      );
    }
    const from = o.fromId ?? FROM_START;
    const start = from === FROM_END ? '$' : from === FROM_START ? '0' : redisId(from);
    await this.conn.batonGroup(this.#key(stream), o.group, start);
    const { group, consumer } = o;
    return (ctx) =>
      new GroupReader(ctx, { group, consumer, visibilityTimeoutMs: timeout, batch: this.limits.batch });
  }

  /** Fixes a tail's exclusive start as an id: FROM_END is the newest entry now, not at each read. */
  async #tailReader(stream: string, o: TailSubscribeOptions): Promise<(ctx: LoopContext) => ReadLoop> {
    const from = o.fromId ?? FROM_END;
    let cursor: string;
    if (from === FROM_START) cursor = '0-0';
    else if (from !== FROM_END) cursor = redisId(from);
    else {
      const [last] = (await this.conn.xrevrange(this.#key(stream), '+', '-', 'COUNT', 1)) as [
        string,
        string[],
      ][];
      cursor = last?.[0] ?? '0-0';
    }
    return (ctx) => new TailReader(ctx, cursor, this.limits.batch);
  }

  async #unblock(clientId: number): Promise<void> {
    try {
      await this.conn.client('UNBLOCK', clientId);
    } catch (error) {
      // The subscription's own read then ends at its block timeout instead (at most MAX_BLOCK_MS).
      this.reporter.count('readErrors', `could not unblock a closing subscription: ${messageOf(error)}`);
    }
  }

  ack(stream: string, group: string, ids: readonly MessageId[]): Promise<number> {
    return this.#do('ack', stream, async () => {
      // Every id is checked before any is sent, so a malformed one fails the call without a partial effect.
      const checked = ids.map(redisId);
      if (checked.length === 0) return 0;
      return this.#acks.ack(this.#key(stream), stream, group, checked);
    });
  }

  pending(stream: string, group: string): Promise<number> {
    return this.#do('pending', stream, async () => {
      try {
        const [count] = (await this.conn.xpending(this.#key(stream), group)) as [number, ...unknown[]];
        return count;
      } catch (error) {
        if (isNoGroup(error)) return 0;
        throw error;
      }
    });
  }

  stats(): Readonly<RedisBusStats> {
    return { ...this.reporter.stats };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#loops].map((loop) => loop.close()));
      await Promise.all([this.#acks.drain(), this.#publish.drain()]);
      await closeConnection(this.conn);
    })();
    return this.#closed;
  }
}
