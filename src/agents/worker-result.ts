// What a worker's result means to the engine: outputs complete the attempt; a failure becomes a
// registry-coded failed outcome (the engine retries by the registry's flag, never by the message).

import {
  agentFailure,
  completed,
  failed,
  type AgentErrorCode,
  type CompletedOutcome,
  type FailedOutcome,
} from './adapter.js';
import { outputArtifact } from './a2a-parts.js';

/** How a worker ended an assignment. */
export type WorkerResult =
  | { readonly outputs: Record<string, unknown> }
  | {
      readonly failure: {
        readonly code: string;
        readonly message: string;
        readonly retryable: boolean;
        readonly retryAfterMs?: number;
      };
    };

/** What a result report found: accepted (and journaled), or refused because its attempt was not in flight. */
export type ResultReceipt =
  { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

const AGENT_CODES: ReadonlySet<string> = new Set<AgentErrorCode>([
  'BATON_E_AGENT_FAILED',
  'BATON_E_AGENT_TIMEOUT',
  'BATON_E_AGENT_REJECTED',
  'BATON_E_AGENT_UNAVAILABLE',
]);

/**
 * A worker's result as the engine's outcome. A failure with one of the agent codes keeps it (and the
 * registry's retry flag); any other code becomes FAILED when the worker says a retry may help, else
 * REJECTED, with the worker's code kept in the message.
 */
export function outcomeOf(result: WorkerResult): CompletedOutcome | FailedOutcome {
  if ('outputs' in result) return completed([outputArtifact(result.outputs)], result.outputs);
  const f = result.failure;
  const code: AgentErrorCode = AGENT_CODES.has(f.code)
    ? (f.code as AgentErrorCode)
    : f.retryable
      ? 'BATON_E_AGENT_FAILED'
      : 'BATON_E_AGENT_REJECTED';
  const message = code === f.code || f.code === '' ? f.message : `${f.code}: ${f.message}`;
  return failed(agentFailure(code, message, f.retryAfterMs));
}
