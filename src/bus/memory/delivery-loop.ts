// Runs one in-process subscription: hands the handler one message at a time, then sleeps without polling
// until its stream changes or a pending message becomes claimable.

import type { BusMessage, MessageHandler, Subscription } from '../bus.js';
import type { ConsumerGroup } from './consumer-group.js';
import type { MemoryStream, StreamEntry } from './memory-stream.js';

/** Where a subscription's messages come from: a consumer group, or a tail's own cursor. */
export interface MessageSource {
  readonly stream: MemoryStream;
  next(now: number): BusMessage | undefined;
  /** ms after which next() may yield a message that no publish announces (a claim); undefined: never. */
  wakeIn(now: number): number | undefined;
}

/** Let timers and I/O run between long bursts of synchronous handlers. */
const YIELD_EVERY = 256;
/** setTimeout fires after 1 ms when asked for longer than this, which would turn a long sleep into polling. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const toMessage = (stream: MemoryStream, entry: StreamEntry, deliveryCount: number): BusMessage => ({
  id: entry.id,
  stream: stream.name,
  data: JSON.parse(entry.json) as unknown,
  deliveryCount,
});

export function groupSource(
  stream: MemoryStream,
  group: ConsumerGroup,
  visibilityTimeoutMs: number,
): MessageSource {
  return {
    stream,
    next: (now) => {
      const d = group.take(visibilityTimeoutMs, now);
      return d && toMessage(stream, d.entry, d.deliveryCount);
    },
    wakeIn: (now) => group.claimableIn(visibilityTimeoutMs, now),
  };
}

/** A tail reads past trimmed messages: if it falls behind retention it resumes at the oldest retained. */
export function tailSource(stream: MemoryStream, afterN: number): MessageSource {
  let cursor = afterN;
  return {
    stream,
    next: () => {
      const n = Math.max(cursor + 1, stream.firstN);
      const entry = stream.entry(n);
      if (!entry) return undefined;
      cursor = n;
      return toMessage(stream, entry, 1);
    },
    wakeIn: () => undefined,
  };
}

export class DeliveryLoop implements Subscription {
  #closing = false;
  /** Ends the current sleep, if the loop is sleeping. */
  #wake: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(
    private readonly source: MessageSource,
    private readonly handler: MessageHandler,
    private readonly onError: ((error: unknown, message: BusMessage) => void) | undefined,
    private readonly onClosed: () => void,
  ) {
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    // Start on a later turn: the handler never runs before subscribe() has handed out this subscription.
    await new Promise((resolve) => setImmediate(resolve));
    let handled = 0;
    while (!this.#closing) {
      const message = this.source.next(performance.now());
      if (!message) {
        await this.#sleep();
        continue;
      }
      try {
        await this.handler(message);
      } catch (error) {
        this.#report(error, message);
      }
      if (++handled % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #report(error: unknown, message: BusMessage): void {
    try {
      this.onError?.(error, message);
    } catch {
      // An error reporter that fails has nowhere left to report to; delivery goes on.
    }
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(timer);
        unsubscribe();
        this.#wake = undefined;
        resolve();
      };
      const unsubscribe = this.source.stream.onChange(wake);
      const delay = this.source.wakeIn(performance.now());
      // unref: an idle in-process bus must not keep the process alive on its own.
      if (delay !== undefined) timer = setTimeout(wake, Math.min(delay, MAX_TIMER_MS)).unref();
      this.#wake = wake;
    });
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#wake?.();
      this.onClosed();
    }
    return this.#done;
  }
}
