// Retry policy: whether a failed attempt runs again and when. Exponential backoff with jitter drawn
// from the run's seed, the key and the attempt, so a replay computes the very same delays.

import type { RetryPolicySpec, TaskSpec, WorkflowSpec } from '../spec/schema.js';
import type { TaskError } from './entries.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialMs: number;
  readonly coefficient: number;
  readonly maxMs: number;
  /** Delays are spread uniformly over ±jitter of their value. */
  readonly jitter: number;
  readonly nonRetryable: readonly string[];
}

/** Used for every field that neither the task nor the workflow sets. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialMs: 1000,
  coefficient: 2,
  maxMs: 30_000,
  jitter: 0.2,
  nonRetryable: [],
};

const jitterOf = (j: RetryPolicySpec['jitter']): number | undefined =>
  j === true ? DEFAULT_RETRY.jitter : j === false ? 0 : j;

/** The task's policy: its `retry` fields, else the workflow's `retry` fields, else the defaults. */
export function retryPolicy(task: TaskSpec, workflow: WorkflowSpec): RetryPolicy {
  const t = task.retry ?? {};
  const w = workflow.retry ?? {};
  return {
    maxAttempts: t.max_attempts ?? w.max_attempts ?? DEFAULT_RETRY.maxAttempts,
    initialMs: t.initial_interval ?? w.initial_interval ?? DEFAULT_RETRY.initialMs,
    coefficient: t.backoff_coefficient ?? w.backoff_coefficient ?? DEFAULT_RETRY.coefficient,
    maxMs: t.max_interval ?? w.max_interval ?? DEFAULT_RETRY.maxMs,
    jitter: jitterOf(t.jitter) ?? jitterOf(w.jitter) ?? DEFAULT_RETRY.jitter,
    nonRetryable: t.non_retryable_errors ?? w.non_retryable_errors ?? DEFAULT_RETRY.nonRetryable,
  };
}

/** A failure is retried when the error says a retry can help, its code is not listed, and attempts remain. */
export function shouldRetry(policy: RetryPolicy, error: TaskError, attempt: number): boolean {
  return error.retryable && !policy.nonRetryable.includes(error.code) && attempt < policy.maxAttempts;
}

/**
 * The wait before attempt `attempt + 1`: initial * coefficient^(attempt-1), capped at maxMs, spread by
 * the jitter (and still capped), but never shorter than the agent's retryAfterMs.
 */
export function backoffMs(
  policy: RetryPolicy,
  seed: number,
  key: string,
  attempt: number,
  error: TaskError,
): number {
  const base = Math.min(policy.initialMs * policy.coefficient ** (attempt - 1), policy.maxMs);
  const spread = 1 + policy.jitter * (2 * unitHash(seed, key, attempt) - 1);
  const delay = Math.round(Math.min(base * spread, policy.maxMs));
  return Math.max(delay, error.retryAfterMs ?? 0);
}

/** A number in [0, 1) determined by (seed, key, n): FNV-1a over the key, seeded and finished by murmur3's fmix32. */
export function unitHash(seed: number, key: string, n: number): number {
  let h = fmix32(seed ^ 0x811c9dc5);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (fmix32(Math.imul(h ^ n, 0x01000193)) >>> 0) / 2 ** 32;
}

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
