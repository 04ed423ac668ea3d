// A consumer-group subscription on Redis: claims messages other consumers left pending past the
// visibility timeout (XAUTOCLAIM) before reading new ones (XREADGROUP BLOCK), hands read-ahead messages
// back when it closes or holds them too long, and recreates its group when Redis comes back without it.

import { isNoGroup } from './connection.js';
import { MAX_BLOCK_MS, ReadLoop, parseStreamReply, type Fetched, type LoopContext } from './read-loop.js';
import { messageOf } from './report.js';

export interface GroupReaderOptions {
  readonly group: string;
  readonly consumer: string;
  readonly visibilityTimeoutMs: number;
  /** Messages read at once. */
  readonly batch: number;
}

/** Released messages get this idle time: claimable at once by any consumer, whatever its timeout. */
const RELEASE_IDLE_MS = 2 ** 40;
/** XAUTOCLAIM steps (each scans up to 10 x batch pending entries) before the loop reads new messages. */
const MAX_CLAIM_STEPS = 4;
/** A group lost again this soon after being recreated waits for the backoff instead. */
const RECREATE_AFTER_MS = 1_000;

export class GroupReader extends ReadLoop {
  /** Where the next XAUTOCLAIM step starts in the pending list; '0-0' after a full pass. */
  #cursor = '0-0';
  /** performance.now() when the pending list is next scanned for claimable messages. */
  #claimDueAt = 0;
  #recreatedAt = -Infinity;
  readonly #claimEvery: number;
  readonly #blockMs: number;

  constructor(
    ctx: LoopContext,
    private readonly o: GroupReaderOptions,
  ) {
    super(ctx);
    // A pending message becomes claimable within half a timeout of its time; idle consumers look that
    // often (at most every second) rather than sleeping through it.
    this.#claimEvery = Math.min(Math.max(o.visibilityTimeoutMs / 2, 1), 1_000);
    this.#blockMs = Math.max(1, Math.ceil(Math.min(this.#claimEvery, MAX_BLOCK_MS)));
  }

  protected async fetch(): Promise<Fetched[]> {
    const { conn, key } = this.ctx;
    const { group, consumer, visibilityTimeoutMs, batch } = this.o;
    for (let step = 0; step < MAX_CLAIM_STEPS && performance.now() >= this.#claimDueAt; step++) {
      const [cursor, claimed, gone] = await conn.batonClaim(
        key,
        group,
        consumer,
        Math.ceil(visibilityTimeoutMs),
        this.#cursor,
        batch,
      );
      this.#cursor = cursor;
      if (cursor === '0-0') this.#claimDueAt = performance.now() + this.#claimEvery;
      if (gone.length > 0) {
        this.ctx.reporter.count(
          'lostPending',
          `group "${group}" of "${this.ctx.stream}": ${gone.length} pending message(s) were deleted from the stream before being acked`,
          gone.length,
        );
      }
      if (claimed.length > 0) return claimed.map(([id, json, count]) => ({ id, json, deliveryCount: count }));
    }
    const reply = await this.blocking(() =>
      conn.call(
        'XREADGROUP',
        'GROUP',
        group,
        consumer,
        'COUNT',
        batch,
        'BLOCK',
        this.#blockMs,
        'STREAMS',
        key,
        '>',
      ),
    );
    return parseStreamReply(reply);
  }

  /** Messages held past half the timeout could be claimed by another consumer before this one gets to them. */
  protected override stale(fetchedAt: number, now: number): boolean {
    return now - fetchedAt >= this.o.visibilityTimeoutMs / 2;
  }

  protected override async release(rest: readonly Fetched[]): Promise<void> {
    const { conn, key, reporter, stream } = this.ctx;
    const { group, consumer } = this.o;
    // Each goes back with the count it had before this consumer read it, so the next delivery counts as
    // if this one never happened; and this consumer scans for claimable messages first when it reads again.
    const pairs = rest.flatMap((f) => [f.id, String(f.deliveryCount - 1)]);
    this.#claimDueAt = 0;
    this.#cursor = '0-0';
    try {
      reporter.tally('released', await conn.batonRelease(key, group, consumer, RELEASE_IDLE_MS, ...pairs));
    } catch (error) {
      reporter.count(
        'releaseErrors',
        `group "${group}" of "${stream}": could not hand back ${rest.length} unhandled message(s) (${messageOf(error)}); they are claimable after the visibility timeout`,
      );
    }
  }

  protected override async recover(error: unknown): Promise<boolean> {
    if (!isNoGroup(error) || performance.now() - this.#recreatedAt < RECREATE_AFTER_MS) return false;
    const { conn, key, reporter, stream } = this.ctx;
    const { group } = this.o;
    try {
      // From the start: whatever the stream holds now was published after the group was lost.
      await conn.batonGroup(key, group, '0');
    } catch {
      return false; // the read's own error is reported by the loop
    }
    this.#recreatedAt = performance.now();
    this.#cursor = '0-0';
    reporter.count(
      'groupsRecreated',
      `group "${group}" of "${stream}" was gone (Redis restarted empty, or the key was deleted): created again from the start of the stream`,
    );
    return true;
  }

  protected override async discard(id: string): Promise<void> {
    const { conn, key, reporter, stream } = this.ctx;
    try {
      await conn.xack(key, this.o.group, id);
    } catch (error) {
      reporter.count('readErrors', `"${stream}": could not ack skipped entry ${id} (${messageOf(error)})`);
    }
  }
}
