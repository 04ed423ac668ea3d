// The results a worker remembers by message id (the idempotency key), so work that comes back after
// a lapsed lease, a dropped connection or a server restart is answered with the stored result
// instead of running the handler again. A bounded LRU in memory, optionally kept in an append-only
// file (JSON lines) so a worker restarted under the same worker_id remembers too. A result stays
// "unconfirmed" until the server's accepted receipt says its outcome is journaled; unconfirmed
// results are listed in the hello and sent again after every reconnect.

import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { AssignmentFailure } from './gen/baton/v1/agent.js';

/** A result as it goes on the wire. */
export type WireResult =
  | { readonly outputs: Record<string, unknown>; readonly failure?: undefined }
  | { readonly failure: AssignmentFailure; readonly outputs?: undefined };

export interface StoredResult {
  readonly messageId: string;
  /** The lease the work was last held under: the result is reported under it. */
  readonly leaseId: string;
  readonly result: WireResult;
  /** An accepted receipt came: the server journaled the outcome. */
  confirmed: boolean;
}

export interface ResultCacheOptions {
  /** Results remembered (default 10,000); the least recently used are forgotten first. */
  readonly max?: number;
  /**
   * A file to keep them in (created if missing), so a restarted worker with the same worker_id
   * remembers what it finished. Written before a result is sent (survives a killed process; not
   * fsynced, so a power cut may lose the last lines).
   */
  readonly file?: string;
}

const DEFAULT_MAX = 10_000;

type Line =
  { readonly m: string; readonly l: string; readonly r: WireResult } | { readonly m: string; readonly c: 1 };

export class ResultCache {
  readonly max: number;
  /** By message id, least recently used first. */
  private readonly entries = new Map<string, StoredResult>();
  private fd: number | undefined;
  private lines = 0;

  constructor(private readonly options: ResultCacheOptions = {}) {
    const max = options.max ?? DEFAULT_MAX;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`createWorker: results.max must be an integer >= 1, got ${max}`);
    this.max = max;
    if (options.file !== undefined) this.load(options.file);
  }

  get size(): number {
    return this.entries.size;
  }

  get(messageId: string): StoredResult | undefined {
    return this.entries.get(messageId);
  }

  /** Remembers a finished result (written to the file first, when there is one). */
  put(messageId: string, leaseId: string, result: WireResult): StoredResult {
    const stored: StoredResult = { messageId, leaseId, result, confirmed: false };
    this.write({ m: messageId, l: leaseId, r: result });
    this.entries.delete(messageId);
    this.entries.set(messageId, stored);
    this.trim();
    return stored;
  }

  /** The result is reported under another lease now (the work was re-delivered). */
  rebind(messageId: string, leaseId: string): StoredResult | undefined {
    const old = this.entries.get(messageId);
    if (!old) return undefined;
    const moved = { ...old, leaseId };
    this.entries.delete(messageId);
    this.entries.set(messageId, moved);
    return moved;
  }

  confirm(messageId: string): void {
    const stored = this.entries.get(messageId);
    if (!stored || stored.confirmed) return;
    stored.confirmed = true;
    this.write({ m: messageId, c: 1 });
  }

  /** Results with no accepted receipt yet, most recent last (at most `limit`). */
  unconfirmed(limit: number): StoredResult[] {
    const out: StoredResult[] = [];
    for (const s of this.entries.values()) if (!s.confirmed) out.push(s);
    return out.slice(-limit);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private trim(): void {
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  private load(file: string): void {
    if (existsSync(file)) {
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        if (text === '') continue;
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue; // a line cut short by a crash mid-write: that result was never sent
        }
        if ('c' in line) {
          const s = this.entries.get(line.m);
          if (s) s.confirmed = true;
        } else {
          this.entries.delete(line.m);
          this.entries.set(line.m, { messageId: line.m, leaseId: line.l, result: line.r, confirmed: false });
        }
      }
      this.trim();
    }
    this.compact(file);
  }

  private write(line: Line): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    this.lines += 1;
    // The file holds every line ever written; rewrite it once it is well past what is remembered.
    if (this.lines > 2 * this.max + 1000) this.compact(this.options.file!);
  }

  /** Rewrites the file with what is remembered now (atomically: a temp file renamed over it). */
  private compact(file: string): void {
    const lines: string[] = [];
    for (const s of this.entries.values()) {
      lines.push(JSON.stringify({ m: s.messageId, l: s.leaseId, r: s.result }));
      if (s.confirmed) lines.push(JSON.stringify({ m: s.messageId, c: 1 }));
    }
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    renameSync(tmp, file);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(file, 'a');
    this.lines = lines.length;
  }
}
