// Publishing to Redis Streams in batches: every message is serialised before anything is sent (a batch
// with one bad message publishes nothing), then each run of consecutive messages to one stream becomes
// one script call (XADD each, then trim, atomically), all of them in one pipeline in batch order.

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

interface Run {
  readonly stream: string;
  readonly json: string[];
}

/** Consecutive messages to the same stream, in order, at most CHUNK per run. */
function runsOf(messages: readonly OutgoingMessage[], json: readonly string[]): Run[] {
  const runs: Run[] = [];
  let run: Run | undefined;
  messages.forEach((m, i) => {
    if (!run || run.stream !== m.stream || run.json.length === CHUNK)
      runs.push((run = { stream: m.stream, json: [] }));
    run.json.push(json[i]!);
  });
  return runs;
}

export async function publishBatch(
  ctx: PublishContext,
  messages: readonly OutgoingMessage[],
): Promise<MessageId[]> {
  if (messages.length === 0) return [];
  const json = messages.map(serialise);
  const runs = runsOf(messages, json);
  const { conn, keyOf, maxLen, maxAgeMs } = ctx;
  const slack = trimSlack(maxLen);
  if (runs.length === 1) {
    const { stream } = runs[0]!;
    try {
      return (await conn.batonPublish(keyOf(stream), maxLen, maxAgeMs, slack, json.join('\n'))).split(' ');
    } catch (error) {
      throw new BusUnavailableError('publish', stream, redisError(error));
    }
  }
  const pipeline = conn.pipeline() as ScriptPipeline;
  for (const run of runs) {
    pipeline.batonPublish(keyOf(run.stream), maxLen, maxAgeMs, slack, run.json.join('\n'));
  }
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await pipeline.exec();
  } catch (error) {
    throw new BusUnavailableError('publish', runs[0]!.stream, redisError(error));
  }
  const ids: MessageId[] = [];
  runs.forEach((run, i) => {
    const [error, reply] = replies?.[i] ?? [new Error('no reply'), null];
    // Runs before this one are published: the caller re-publishes the batch (at least once).
    if (error) throw new BusUnavailableError('publish', run.stream, redisError(error));
    ids.push(...(reply as string).split(' '));
  });
  return ids;
}
