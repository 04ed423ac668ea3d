// Retry with exponential backoff and full jitter, for UNAVAILABLE only: a dropped connection or a
// server that is restarting. Options are compiled once (defaults filled, contradictions refused).

/** How calls that fail with UNAVAILABLE are retried. `false` turns retries off. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5; 1 means no retry). */
  readonly maxAttempts?: number;
  /** The wait before the first retry, in ms (default 100). */
  readonly initialBackoffMs?: number;
  /** Upper bound on any single wait, in ms (default 2000). */
  readonly maxBackoffMs?: number;
  /** Each wait is the previous one times this (default 2). */
  readonly multiplier?: number;
}

export type CompiledRetry = Required<RetryOptions>;

export function compileRetry(options: RetryOptions | false | undefined): CompiledRetry {
  if (options === false) return { maxAttempts: 1, initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 };
  const compiled = {
    maxAttempts: options?.maxAttempts ?? 5,
    initialBackoffMs: options?.initialBackoffMs ?? 100,
    maxBackoffMs: options?.maxBackoffMs ?? 2000,
    multiplier: options?.multiplier ?? 2,
  };
  if (!Number.isInteger(compiled.maxAttempts) || compiled.maxAttempts < 1)
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${compiled.maxAttempts}`);
  if (compiled.initialBackoffMs < 0) throw new RangeError('retry.initialBackoffMs must be >= 0');
  if (compiled.maxBackoffMs < compiled.initialBackoffMs)
    throw new RangeError(
      `retry.maxBackoffMs (${compiled.maxBackoffMs}) is below retry.initialBackoffMs (${compiled.initialBackoffMs})`,
    );
  if (compiled.multiplier < 1) throw new RangeError('retry.multiplier must be >= 1');
  return compiled;
}

/** The wait before retry number `retry` (0 for the first retry): full jitter under the capped curve. */
export function backoffMs(policy: CompiledRetry, retry: number): number {
  const cap = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** retry);
  return Math.random() * cap;
}

/** The error an aborted signal stands for: its reason when that is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted', 'AbortError');
}

/** Waits `ms`, or rejects at once with the signal's abort error. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
