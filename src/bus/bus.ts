// The Bus extension point: append-only streams with consumer groups, shaped after Redis Streams so the
// in-process adapter and the Redis adapter are interchangeable. test/conformance/bus-suite.ts pins it.

import { BatonError } from '../errors/registry.js';

/**
 * A message id: `<int>-<int>`, as Redis Streams writes them. Ids grow with every publish to a stream;
 * compare them with compareMessageIds, never as strings. Downstream, an id dedupes redeliveries.
 */
export type MessageId = string;

/** As `fromId`: everything the stream still retains. */
export const FROM_START: MessageId = '0';
/** As `fromId`: only messages published after the subscription is established. */
export const FROM_END = '$';

export interface BusMessage {
  readonly id: MessageId;
  readonly stream: string;
  /** A fresh copy per delivery (the message crossed a serialisation boundary, as it would over Redis). */
  readonly data: unknown;
  /** 1 on first delivery to a group, +1 each time it is claimed after a visibility timeout; 1 on a tail. */
  readonly deliveryCount: number;
}

export interface OutgoingMessage {
  readonly stream: string;
  /** JSON-serialisable. */
  readonly data: unknown;
}

/** Consumer-group delivery: each message goes to one consumer of the group and stays pending until acked. */
export interface GroupSubscribeOptions {
  readonly group: string;
  /** This consumer's name within the group; pending messages belong to it until acked or claimed. */
  readonly consumer: string;
  /**
   * Where a group that does not exist yet starts (exclusive): FROM_START (default, so nothing published
   * before the first worker subscribed is lost), FROM_END, or an id. Ignored when the group exists.
   */
  readonly fromId?: MessageId;
  /** An unacked message idle this long may be claimed by this consumer (default 30,000 ms). */
  readonly visibilityTimeoutMs?: number;
  /** Called when the handler throws; the message stays pending and is redelivered after the timeout. */
  readonly onError?: (error: unknown, message: BusMessage) => void;
}

/** Broadcast tail: every tail sees every message after `fromId`; nothing is pending or acked. */
export interface TailSubscribeOptions {
  /** Exclusive start: FROM_END (default), FROM_START, or an id. */
  readonly fromId?: MessageId;
  /** Called when the handler throws; the tail moves on to the next message. */
  readonly onError?: (error: unknown, message: BusMessage) => void;
}

export type SubscribeOptions = GroupSubscribeOptions | TailSubscribeOptions;

/**
 * Called for one message at a time per subscription, in stream order; the next delivery waits for the
 * returned promise. A handler must not await its own subscription's (or the bus's) close().
 */
export type MessageHandler = (message: BusMessage) => void | Promise<void>;

export interface Subscription {
  /** Stops deliveries to this subscription; resolves when its running handler has finished. */
  close(): Promise<void>;
}

export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;

/**
 * How much of each stream an adapter keeps. A message is trimmed once it is outside either bound and no
 * consumer group still needs it (not yet delivered to the group, or delivered and not acked): a stalled
 * group makes its stream grow past the bounds rather than lose messages. Tails read past trimmed messages.
 */
export interface RetentionOptions {
  /** Messages kept per stream (default 10,000). An adapter may keep up to a tenth more between trims. */
  readonly maxLenPerStream?: number;
  /** Messages older than this (ms since publish) are trimmed too; unset: no age bound. */
  readonly maxAgeMs?: number;
}

export const DEFAULT_MAX_LEN_PER_STREAM = 10_000;

/** Checks retention options, returning them with defaults applied. */
export function retention(options: RetentionOptions): { maxLen: number; maxAgeMs: number | undefined } {
  const maxLen = options.maxLenPerStream ?? DEFAULT_MAX_LEN_PER_STREAM;
  if (!Number.isSafeInteger(maxLen) || maxLen < 1) {
    throw new BusInvalidArgumentError(`maxLenPerStream must be an integer >= 1, got ${maxLen}`);
  }
  const age = options.maxAgeMs;
  if (age !== undefined && !(Number.isSafeInteger(age) && age >= 1)) {
    throw new BusInvalidArgumentError(`maxAgeMs must be an integer number of ms >= 1, got ${age}`);
  }
  return { maxLen, maxAgeMs: age };
}

/** Delivery of messages between parts of the control plane, at least once. */
export interface Bus {
  /** Appends to a stream (created on first use) and returns the new message's id. */
  publish(stream: string, data: unknown): Promise<MessageId>;
  /** Publishes a batch (any mix of streams), returning ids in the batch's order. */
  publishMany(messages: readonly OutgoingMessage[]): Promise<MessageId[]>;
  /** Resolves once the subscription is established: its group exists and its start position is fixed. */
  subscribe(stream: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription>;
  /** Marks messages of a group as processed so they are never redelivered; returns how many were pending. */
  ack(stream: string, group: string, ids: readonly MessageId[]): Promise<number>;
  /** How many messages of the group are delivered but not yet acked. */
  pending(stream: string, group: string): Promise<number>;
  /**
   * Stops every subscription; resolves when running handlers have finished. Calling it again returns the
   * same promise; any other call after it rejects with BusClosedError.
   */
  close(): Promise<void>;
}

export const isGroupSubscription = (o: SubscribeOptions): o is GroupSubscribeOptions => 'group' in o;

const ID = /^(\d+)(?:-(\d+))?$/;

/** Splits an id into its two parts; a bare `<int>` means `<int>-0`, as in Redis. */
export function parseMessageId(id: MessageId): readonly [bigint, bigint] {
  const m = ID.exec(id);
  if (!m) throw new BusInvalidArgumentError(`"${id}" is not a message id (expected <int>-<int>)`);
  return [BigInt(m[1]!), BigInt(m[2] ?? 0)];
}

/** Orders ids of one stream: negative when a was published before b. */
export function compareMessageIds(a: MessageId, b: MessageId): number {
  const [a1, a2] = parseMessageId(a);
  const [b1, b2] = parseMessageId(b);
  if (a1 !== b1) return a1 < b1 ? -1 : 1;
  return a2 === b2 ? 0 : a2 < b2 ? -1 : 1;
}

/** Thrown for a message that is not JSON, a malformed id, or an empty group or consumer name. */
export class BusInvalidArgumentError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BATON_E_BUS_INVALID', message, options);
  }
}

/**
 * Thrown when the bus's server failed an operation (unreachable, restarting, refusing writes). Retryable:
 * the bus is transport, not the record, so a caller republishes from its journal.
 */
export class BusUnavailableError extends BatonError {
  constructor(
    readonly operation: string,
    readonly stream: string | undefined,
    cause: unknown,
  ) {
    const where = stream === undefined ? '' : ` on "${stream}"`;
    const why = cause instanceof Error ? cause.message : String(cause);
    super('BATON_E_BUS_UNAVAILABLE', `bus ${operation}${where} failed: ${why}`, { cause });
  }
}

/** Thrown by any call made after close(). */
export class BusClosedError extends BatonError {
  constructor(readonly operation: string) {
    super('BATON_E_BUS_CLOSED', `bus ${operation}: the bus is closed`);
  }
}
