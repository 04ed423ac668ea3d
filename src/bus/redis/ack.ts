// XACK with coalescing: acks issued in the same event-loop turn for one stream and group go to Redis as
// one command, each caller still getting its own count. A consumer that acks every message without
// waiting for the answer (a worker handing tasks on) then costs one command per batch, not per message.

import { BusUnavailableError } from '../bus.js';
import { messageOf, type Reporter } from './report.js';
import { redisError } from './connection.js';
import type { ScriptedRedis } from './scripts.js';

interface Call {
  readonly ids: readonly string[];
  readonly resolve: (acked: number) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly key: string;
  readonly stream: string;
  readonly group: string;
  readonly calls: Call[];
}

export class AckBatcher {
  #queued = new Map<string, Batch>();
  #scheduled: NodeJS.Immediate | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly conn: ScriptedRedis,
    private readonly reporter: Reporter,
  ) {}

  ack(key: string, stream: string, group: string, ids: readonly string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const slot = `${group}\n${key}`;
      let batch = this.#queued.get(slot);
      if (!batch) this.#queued.set(slot, (batch = { key, stream, group, calls: [] }));
      batch.calls.push({ ids, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = undefined;
    const batches = this.#queued;
    this.#queued = new Map();
    for (const batch of batches.values()) {
      const sent = this.#send(batch).finally(() => this.#inFlight.delete(sent));
      this.#inFlight.add(sent);
    }
  }

  async #send({ key, stream, group, calls }: Batch): Promise<void> {
    try {
      if (calls.length === 1) {
        const acked = await this.conn.xack(key, group, ...calls[0]!.ids);
        this.reporter.succeeded('ack');
        calls[0]!.resolve(acked);
        return;
      }
      const acked = await this.conn.batonAck(key, group, ...calls.flatMap((c) => c.ids));
      this.reporter.succeeded('ack');
      let at = 0;
      for (const call of calls) {
        let n = 0;
        for (let i = 0; i < call.ids.length; i++) n += acked[at++]!;
        call.resolve(n);
      }
    } catch (error) {
      this.reporter.failed(
        'ack',
        'ackErrors',
        `ack on "${stream}" for group "${group}" failed for ${calls.length} call(s): ${messageOf(error)}`,
        calls.length,
      );
      for (const call of calls) call.reject(new BusUnavailableError('ack', stream, redisError(error)));
    }
  }

  /** Sends what is queued now and resolves when every ack sent has its answer. */
  async drain(): Promise<void> {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#flush();
    }
    await Promise.all(this.#inFlight);
  }
}
