// The embedded Bus: streams, consumer groups and tails in process memory, with Redis Streams semantics
// (ids, pending lists, claims after a visibility timeout) so the runtime cannot tell it from Redis.

import {
  BusClosedError,
  BusInvalidArgumentError,
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
} from '../bus.js';
import { ConsumerGroup } from './consumer-group.js';
import { DeliveryLoop, groupSource, tailSource, type MessageSource } from './delivery-loop.js';
import { MemoryStream } from './memory-stream.js';

/**
 * Retention (RetentionOptions): the newest maxLenPerStream messages (default 10,000), and with maxAgeMs
 * only those younger than it; older ones are trimmed at each publish and ack unless a consumer group
 * still needs them: a stalled group makes its stream grow past these bounds rather than lose messages.
 */
export type MemoryBusOptions = RetentionOptions;

export function openMemoryBus(options: MemoryBusOptions = {}): Bus {
  return new MemoryBus(retention(options));
}

interface StreamState {
  readonly stream: MemoryStream;
  readonly groups: Map<string, ConsumerGroup>;
}

function serialise(m: OutgoingMessage): string {
  let json: string | undefined;
  let cause: unknown;
  try {
    json = JSON.stringify(m.data);
  } catch (e) {
    cause = e;
  }
  if (json === undefined) {
    throw new BusInvalidArgumentError(`a message for stream "${m.stream}" is not JSON-serialisable`, {
      cause,
    });
  }
  return json;
}

function requireName(what: string, value: string): void {
  if (value === '') throw new BusInvalidArgumentError(`${what} must not be empty`);
}

class MemoryBus implements Bus {
  readonly #streams = new Map<string, StreamState>();
  readonly #loops = new Set<DeliveryLoop>();
  #closed: Promise<void> | undefined;

  constructor(private readonly limits: ReturnType<typeof retention>) {}

  #state(name: string): StreamState {
    let s = this.#streams.get(name);
    if (!s) this.#streams.set(name, (s = { stream: new MemoryStream(name, this.limits), groups: new Map() }));
    return s;
  }

  /** The position (last n seen) that an exclusive start id stands for. */
  #position(stream: MemoryStream, fromId: MessageId): number {
    if (fromId === FROM_END) return stream.lastN;
    // Memory ids are `<n>-0`, so any `<n>-<k>` sorts after message n and before n + 1.
    return Number(parseMessageId(fromId)[0]);
  }

  /** Runs a call, refusing it after close; anything it throws becomes the rejection. */
  #do<T>(operation: string, fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.#closed) throw new BusClosedError(operation);
      resolve(fn());
    });
  }

  publish(stream: string, data: unknown): Promise<MessageId> {
    return this.publishMany([{ stream, data }]).then(([id]) => id!);
  }

  publishMany(messages: readonly OutgoingMessage[]): Promise<MessageId[]> {
    return this.#do('publish', () => {
      messages.forEach((m) => requireName('stream name', m.stream));
      // Serialise all first: a batch with one bad message publishes nothing.
      const json = messages.map(serialise);
      const touched = new Set<MemoryStream>();
      const ids = messages.map((m, i) => {
        const { stream } = this.#state(m.stream);
        touched.add(stream);
        return stream.append(json[i]!).id;
      });
      for (const stream of touched) {
        stream.trim();
        stream.notify();
      }
      return ids;
    });
  }

  subscribe(stream: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    return this.#do(`subscribe to "${stream}"`, () => {
      requireName('stream name', stream);
      const state = this.#state(stream);
      const source = isGroupSubscription(options)
        ? this.#groupSource(state, options)
        : tailSource(state.stream, this.#position(state.stream, options.fromId ?? FROM_END));
      const loop: DeliveryLoop = new DeliveryLoop(source, handler, options.onError, () =>
        this.#loops.delete(loop),
      );
      this.#loops.add(loop);
      return loop;
    });
  }

  #groupSource(state: StreamState, options: GroupSubscribeOptions): MessageSource {
    requireName('group', options.group);
    requireName('consumer', options.consumer);
    const timeout = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    if (!(timeout > 0 && Number.isFinite(timeout))) {
      throw new BusInvalidArgumentError(
        `visibilityTimeoutMs must be a positive number of ms, got ${timeout}`,
      );
    }
    let group = state.groups.get(options.group);
    if (!group) {
      group = new ConsumerGroup(state.stream, this.#position(state.stream, options.fromId ?? FROM_START));
      state.groups.set(options.group, group);
    }
    return groupSource(state.stream, group, timeout);
  }

  ack(stream: string, group: string, ids: readonly MessageId[]): Promise<number> {
    return this.#do(`ack on "${stream}"`, () => {
      const state = this.#streams.get(stream);
      const g = state?.groups.get(group);
      // Parse every id before acking any, so a malformed one fails the call without a partial effect.
      const parsed = ids.map(parseMessageId);
      let acked = 0;
      for (const [n, k] of parsed) if (g && k === 0n && g.ack(Number(n))) acked++;
      state?.stream.trim();
      return acked;
    });
  }

  pending(stream: string, group: string): Promise<number> {
    return this.#do(
      `pending on "${stream}"`,
      () => this.#streams.get(stream)?.groups.get(group)?.pendingCount ?? 0,
    );
  }

  close(): Promise<void> {
    this.#closed ??= Promise.all([...this.#loops].map((loop) => loop.close())).then(() =>
      this.#streams.clear(),
    );
    return this.#closed;
  }
}
