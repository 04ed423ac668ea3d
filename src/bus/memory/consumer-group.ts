// A consumer group on an in-process stream: the position of its next new message and its pending entries
// list (delivered, not yet acked), from which consumers claim messages idle past their visibility timeout.

import type { MemoryStream, StreamEntry } from './memory-stream.js';

interface Pending {
  deliveredAt: number;
  count: number;
}

export interface Delivery {
  readonly entry: StreamEntry;
  readonly deliveryCount: number;
}

export class ConsumerGroup {
  /** n of the last message handed out for the first time. */
  #lastN: number;
  /** Keyed by n, in order of (re)delivery time: the first entry is always the longest idle. */
  readonly #pending = new Map<number, Pending>();

  constructor(
    private readonly stream: MemoryStream,
    afterN: number,
  ) {
    // Entries trimmed before the group existed cannot be delivered: start at the oldest retained one. A
    // start beyond the newest message means "from the end": messages the group skipped must not hold
    // the stream against trimming.
    this.#lastN = Math.min(Math.max(afterN, stream.firstN - 1), stream.lastN);
    stream.addGroup(this.#lastN);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * The next message for a consumer: first a pending one idle for at least `visibilityTimeoutMs` (claimed
   * from whichever consumer had it), else the next new one.
   */
  take(visibilityTimeoutMs: number, now: number): Delivery | undefined {
    const [oldest] = this.#pending;
    if (oldest && now - oldest[1].deliveredAt >= visibilityTimeoutMs) {
      const [n, p] = oldest;
      p.deliveredAt = now;
      p.count++;
      // Re-inserting keeps the map in delivery-time order.
      this.#pending.delete(n);
      this.#pending.set(n, p);
      return { entry: this.stream.entry(n)!, deliveryCount: p.count };
    }
    if (this.#lastN >= this.stream.lastN) return undefined;
    const n = ++this.#lastN;
    this.#pending.set(n, { deliveredAt: now, count: 1 });
    // Idle consumers armed no claim timer while nothing was pending: let them arm one now.
    if (this.#pending.size === 1) this.stream.notify();
    return { entry: this.stream.entry(n)!, deliveryCount: 1 };
  }

  /** ms until a consumer with this timeout could claim something; undefined while nothing is pending. */
  claimableIn(visibilityTimeoutMs: number, now: number): number | undefined {
    const [oldest] = this.#pending;
    return oldest && Math.max(0, oldest[1].deliveredAt + visibilityTimeoutMs - now);
  }

  /** Removes n from the pending list; false if it was not pending (never delivered, or acked before). */
  ack(n: number): boolean {
    if (!this.#pending.delete(n)) return false;
    this.stream.entry(n)!.holds--;
    return true;
  }
}
