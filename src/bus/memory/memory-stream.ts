// One in-process stream: its retained messages (numbered 1, 2, ...; id `<n>-0`), its consumer groups, and
// the subscriptions waiting for it to change. Trimming drops the oldest messages no group still needs.

export interface StreamEntry {
  readonly n: number;
  readonly id: string;
  /** Serialised once at publish; each delivery parses its own copy. */
  readonly json: string;
  /** Date.now() at publish, for the age bound. */
  readonly at: number;
  /** Groups that still need this entry: not yet delivered to them, or delivered and not acked. */
  holds: number;
}

/** Compact the backing array once this many trimmed slots sit at its front (and they are half of it). */
const COMPACT_AFTER = 1024;

export class MemoryStream {
  /** entries[i] has n = baseN + i; entries before `head` are trimmed. */
  #entries: StreamEntry[] = [];
  #baseN = 1;
  #head = 0;
  #groupCount = 0;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly limits: { readonly maxLen: number; readonly maxAgeMs: number | undefined },
  ) {}

  /** n of the newest message ever published (0 before the first). */
  get lastN(): number {
    return this.#baseN + this.#entries.length - 1;
  }

  /** n of the oldest retained message (lastN + 1 when none is retained). */
  get firstN(): number {
    return this.#baseN + this.#head;
  }

  get retained(): number {
    return this.#entries.length - this.#head;
  }

  append(json: string): StreamEntry {
    const n = this.lastN + 1;
    const entry: StreamEntry = { n, id: `${n}-0`, json, at: Date.now(), holds: this.#groupCount };
    this.#entries.push(entry);
    return entry;
  }

  /** The retained entry numbered n. */
  entry(n: number): StreamEntry | undefined {
    const i = n - this.#baseN;
    return i >= this.#head ? this.#entries[i] : undefined;
  }

  /** A new group will need every retained entry after afterN. */
  addGroup(afterN: number): void {
    this.#groupCount++;
    for (let i = Math.max(this.#head, afterN + 1 - this.#baseN); i < this.#entries.length; i++) {
      this.#entries[i]!.holds++;
    }
  }

  /** Drops the oldest entries beyond maxLen or maxAgeMs, stopping at the first one a group still needs. */
  trim(): void {
    const { maxLen, maxAgeMs } = this.limits;
    const bornBefore = maxAgeMs === undefined ? -Infinity : Date.now() - maxAgeMs;
    while (this.retained > 0) {
      const head = this.#entries[this.#head]!;
      if (head.holds > 0 || (this.retained <= maxLen && head.at >= bornBefore)) break;
      this.#head++;
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#baseN += this.#head;
      this.#head = 0;
    }
  }

  /** Registers a callback for the next change (publish, or a group gaining its first pending message). */
  onChange(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
