// A broadcast tail on Redis: XREAD BLOCK from its own cursor. Nothing is pending or acked; a tail that
// falls behind retention resumes at the oldest entry Redis still has, as the memory bus's tails do.

import { MAX_BLOCK_MS, ReadLoop, parseStreamReply, type Fetched, type LoopContext } from './read-loop.js';

export class TailReader extends ReadLoop {
  constructor(
    ctx: LoopContext,
    /** The id of the last message seen (exclusive start). */
    private cursor: string,
    private readonly batch: number,
  ) {
    super(ctx);
  }

  protected async fetch(): Promise<Fetched[]> {
    const { conn, key } = this.ctx;
    const reply = await this.blocking(() =>
      conn.call('XREAD', 'COUNT', this.batch, 'BLOCK', MAX_BLOCK_MS, 'STREAMS', key, this.cursor),
    );
    const fetched = parseStreamReply(reply);
    if (fetched.length > 0) this.cursor = fetched[fetched.length - 1]!.id;
    return fetched;
  }
}
