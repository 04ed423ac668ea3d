// Publishing to Redis Streams in batches. Every message is serialised when it is handed over (a batch with
// one bad message publishes nothing), and every publish of one event-loop turn, from any caller and to any
// streams, goes to Redis together (PublishBatcher): grouped by stream (each stream's messages in call
// order), at most CHUNK messages per script call (XADD each, then trim each stream, atomically), all the
// calls of a flush in one pipeline. A turn in which many runs publish their events then costs one round
// trip and one script call, not one per event.

import {
  BusInvalidArgumentError,
  BusUnavailableError,
  type MessageId,
  type OutgoingMessage,
} from '../bus.js';
import { redisError } from './connection.js';
import type { ScriptPipeline, ScriptedRedis } from './scripts.js';
import { trimSlack } from './trim-lua.js';

/** Messages per script call: bounds how long one call holds Redis (XADD takes about a microsecond). */
const CHUNK = 1_000;

export interface PublishContext {
  readonly conn: ScriptedRedis;
  readonly keyOf: (stream: string) => string;
  readonly maxLen: number;
  /** 0: no age bound. */
  readonly maxAgeMs: number;
}

export function serialise(m: OutgoingMessage): string {
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

/** One caller's messages, serialised, and where its ids go. */
interface Call {
  readonly streams: readonly string[];
  readonly texts: readonly string[];
  readonly resolve: (ids: MessageId[]) => void;
  readonly reject: (error: unknown) => void;
}

/** One script call: its streams in order, how many messages each, and the messages' places in the flush. */
interface ScriptCall {
  readonly keys: string[];
  readonly counts: number[];
  readonly texts: string[];
  readonly slots: number[];
}

/** Coalesces the publishes of one event-loop turn into one pipeline. */
export class PublishBatcher {
  #queued: Call[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly ctx: PublishContext) {}

  /** Publishes `messages` (already checked) with the others of this turn; resolves with their ids in order. */
  publish(messages: readonly OutgoingMessage[]): Promise<MessageId[]> {
    if (messages.length === 0) return Promise.resolve([]);
    const texts = messages.map(serialise);
    const streams = messages.map((m) => m.stream);
    return new Promise((resolve, reject) => {
      this.#queued.push({ streams, texts, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.#flush());
    });
  }

  /** Sends what is queued now and resolves when every publish sent has its answer. */
  async drain(): Promise<void> {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#flush();
    }
    await Promise.all(this.#inFlight);
  }

  #flush(): void {
    this.#scheduled = undefined;
    const calls = this.#queued;
    this.#queued = [];
    const sent = this.#send(calls).finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
  }

  async #send(calls: readonly Call[]): Promise<void> {
    const { conn, keyOf, maxLen, maxAgeMs } = this.ctx;
    const scripts = plan(calls, keyOf);
    const slack = trimSlack(maxLen);
    const args = (s: ScriptCall): (string | number)[] => [
      ...s.keys,
      maxLen,
      maxAgeMs,
      slack,
      s.counts.join(' '),
      s.texts.join('\n'),
    ];
    const ids = new Array<MessageId | undefined>(calls.reduce((n, c) => n + c.texts.length, 0)).fill(
      undefined,
    );
    let failure: unknown;
    try {
      if (scripts.length === 1) {
        const s = scripts[0]!;
        place(ids, s, await conn.batonPublish(s.keys.length, ...args(s)));
      } else {
        const pipeline = conn.pipeline() as ScriptPipeline;
        for (const s of scripts) pipeline.batonPublish(s.keys.length, ...args(s));
        const replies = await pipeline.exec();
        scripts.forEach((s, i) => {
          const [error, reply] = replies?.[i] ?? [new Error('no reply'), null];
          // Scripts before this one did publish: their callers get their ids, the rest the error.
          if (error) failure ??= error;
          else place(ids, s, reply as string);
        });
      }
    } catch (error) {
      failure = error;
    }
    let at = 0;
    for (const call of calls) {
      const mine = ids.slice(at, at + call.texts.length);
      at += call.texts.length;
      if (mine.every((id) => id !== undefined)) call.resolve(mine);
      else call.reject(new BusUnavailableError('publish', call.streams[0], redisError(failure)));
    }
  }
}

/** Groups a flush's messages by stream (in call order within each), CHUNK messages per script call. */
function plan(calls: readonly Call[], keyOf: (stream: string) => string): ScriptCall[] {
  const byStream = new Map<string, { texts: string[]; slots: number[] }>();
  let slot = 0;
  for (const call of calls) {
    call.streams.forEach((stream, i) => {
      let group = byStream.get(stream);
      if (!group) byStream.set(stream, (group = { texts: [], slots: [] }));
      group.texts.push(call.texts[i]!);
      group.slots.push(slot++);
    });
  }
  const scripts: ScriptCall[] = [];
  let current: ScriptCall | undefined;
  for (const [stream, group] of byStream) {
    for (let from = 0; from < group.texts.length;) {
      if (!current || current.texts.length === CHUNK)
        scripts.push((current = { keys: [], counts: [], texts: [], slots: [] }));
      const n = Math.min(CHUNK - current.texts.length, group.texts.length - from);
      current.keys.push(keyOf(stream));
      current.counts.push(n);
      for (let i = from; i < from + n; i++) {
        current.texts.push(group.texts[i]!);
        current.slots.push(group.slots[i]!);
      }
      from += n;
    }
  }
  return scripts;
}

/** Puts a script call's ids (its reply, space-separated) at their messages' places in the flush. */
function place(ids: (MessageId | undefined)[], s: ScriptCall, reply: string): void {
  const got = reply.split(' ');
  s.slots.forEach((slot, i) => (ids[slot] = got[i]!));
}
