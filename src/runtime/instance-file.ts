// The liveness shortcut of the embedded default: each engine writes `<data dir>/instances/<owner>.json`
// (its pid and host) while it lives. A run whose owner's file names a process of this host that no longer
// exists was left by a crash (kill -9 leaves its lease behind), so `baton resume` may take it over at
// once instead of after the lease lapses. Ownership itself is the store's lease and fencing epoch: the
// owner id is random, and a missing, unreadable or foreign file only means "wait for the lease".

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fault } from '../telemetry/faults.js';

/** Files untouched this long belong to owners whose leases lapsed long ago: removed at the next start. */
const STALE_MS = 60 * 60 * 1000;

/** An owner id usable as a file name (ours are hex; a test's may be any word). */
const SAFE = /^[\w.-]{1,128}$/;

interface InstanceRecord {
  readonly pid: number;
  readonly host: string;
}

export class InstanceFile {
  readonly #file: string | undefined;

  constructor(
    private readonly dir: string,
    owner: string,
  ) {
    this.#file = SAFE.test(owner) ? join(dir, `${owner}.json`) : undefined;
  }

  /** Writes this instance's file (and clears long-dead owners' files); a failure only loses the shortcut. */
  register(): void {
    if (this.#file === undefined) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      this.#sweep();
      const record: InstanceRecord = { pid: process.pid, host: hostname() };
      writeFileSync(this.#file, JSON.stringify(record));
    } catch (e) {
      fault('run-ownership', `cannot write the instance file ${this.#file}`, e);
    }
  }

  /** Marks the file as fresh (called with each lease renewal): a live owner's file is never swept. */
  touch(): void {
    if (this.#file === undefined) return;
    const now = new Date();
    try {
      utimesSync(this.#file, now, now);
    } catch {
      this.register(); // removed behind our back (a sweep by a clock far ahead): write it again
    }
  }

  unregister(): void {
    if (this.#file === undefined) return;
    try {
      rmSync(this.#file, { force: true });
    } catch (e) {
      fault('run-ownership', `cannot remove the instance file ${this.#file}`, e);
    }
  }

  /** True only when `owner`'s file names a process of this host that no longer exists. */
  isDead(owner: string): boolean {
    if (!SAFE.test(owner)) return false;
    let record: InstanceRecord;
    try {
      record = JSON.parse(readFileSync(join(this.dir, `${owner}.json`), 'utf8')) as InstanceRecord;
    } catch {
      return false; // no file (another host, an older Baton, or still starting): the lease decides
    }
    if (record.host !== hostname() || !Number.isInteger(record.pid) || record.pid === process.pid)
      return false;
    try {
      process.kill(record.pid, 0);
      return false; // alive, or a reused pid: either way not provably dead
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  #sweep(): void {
    const before = Date.now() - STALE_MS;
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name);
      try {
        if (statSync(file).mtimeMs < before) rmSync(file, { force: true });
      } catch {
        // Removed by another instance's sweep meanwhile.
      }
    }
  }
}
