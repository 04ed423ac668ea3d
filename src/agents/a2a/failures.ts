// What went wrong talking to a remote A2A agent, as the engine's typed failure: transport errors and
// 5xx are UNAVAILABLE (retryable: they feed the agent's circuit breaker), 401/403 are an authentication
// failure naming the agent, the spec's request errors (§3.3.2) are REJECTED (a retry cannot help).

import {
  A2AError,
  ContentTypeNotSupportedError,
  ExtensionSupportRequiredError,
  InvalidAgentResponseError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotFoundError,
  UnsupportedOperationError,
  VersionNotSupportedError,
} from '@a2a-js/sdk/errors';
import { agentFailure, type AgentFailure } from '../adapter.js';

/**
 * An HTTP answer the A2A client must not read as a protocol answer: thrown by Baton's fetch wrapper for
 * 401/403 (authentication), 408/429 and 5xx (the agent or a proxy in front of it is unavailable).
 */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    readonly url: string,
    body: string,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status} from ${url}${body === '' ? '' : `: ${body.slice(0, 200)}`}`);
  }
}

/** The statuses HttpStatusError is thrown for. */
export const intercepted = (status: number): boolean =>
  status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;

/** `Retry-After` in ms (seconds or an HTTP date), when present and sane. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 3_600_000) : undefined;
}

const REJECTED = [
  ContentTypeNotSupportedError,
  UnsupportedOperationError,
  VersionNotSupportedError,
  ExtensionSupportRequiredError,
  RequestMalformedError,
  PushNotificationNotSupportedError,
];

/**
 * The failure `e` (thrown by a call to the agent `who` names) means.
 * @param who e.g. `agent "researcher" (http://host/a2a)`.
 */
export function failureOf(e: unknown, who: string): AgentFailure {
  if (e instanceof HttpStatusError) {
    if (e.status === 401 || e.status === 403)
      return agentFailure('BATON_E_A2A_AUTH_REQUIRED', `${who} refused Baton's credentials: ${e.message}`);
    return agentFailure('BATON_E_AGENT_UNAVAILABLE', `${who} is unavailable: ${e.message}`, e.retryAfterMs);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof TaskNotFoundError)
    return agentFailure('BATON_E_AGENT_UNAVAILABLE', `${who} no longer knows the task: ${message}`);
  if (REJECTED.some((cls) => e instanceof cls))
    return agentFailure(
      'BATON_E_AGENT_REJECTED',
      `${who} refused the request: ${(e as Error).name}: ${message}`,
    );
  if (e instanceof InvalidAgentResponseError)
    return agentFailure('BATON_E_AGENT_FAILED', `${who} answered outside the protocol: ${message}`);
  // Other A2A errors (an internal error of the agent) may pass; so may a failed connection.
  if (e instanceof A2AError)
    return agentFailure('BATON_E_AGENT_FAILED', `${who} failed the request: ${message}`);
  const http = /HTTP error .*Status: (\d{3})|HTTP error establishing stream .*: (\d{3})/.exec(message);
  if (http !== null)
    return agentFailure('BATON_E_AGENT_REJECTED', `${who} refused the request: ${message.slice(0, 300)}`);
  return agentFailure('BATON_E_AGENT_UNAVAILABLE', `${who} could not be reached: ${describeCause(e)}`);
}

function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail === undefined || e.message.includes(detail) ? e.message : `${e.message} (${detail})`;
}
