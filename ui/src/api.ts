// The UI's client of Baton's API: the HTTP gateway on the same listener (src/api/http-gateway.ts),
// POST /api/<service>/<Method> with proto3 JSON; WatchRun is read as NDJSON lines.

import type { ApiErrorBody } from './types.ts';

/** A failed call: the Baton error code and message, with the field and place when the server named them. */
export class ApiError extends Error {
  constructor(readonly body: ApiErrorBody['error']) {
    super(`${body.code}: ${body.message}`);
  }
}

/** Who the journal names as the author of commands sent from this browser. */
const PRINCIPAL = 'web-ui';

export async function call<Res>(service: string, method: string, body: object = {}): Promise<Res> {
  const res = await fetch(`api/baton.v1.${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-baton-principal': PRINCIPAL },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Res | ApiErrorBody;
  if (!res.ok) throw new ApiError((json as ApiErrorBody).error);
  return json as Res;
}

/**
 * Streams a server-streaming method: `onMessage` per result, resolving when the stream ends; rejects with
 * the stream's error line, or when `signal` aborts.
 */
export async function stream<Msg>(
  service: string,
  method: string,
  body: object,
  onMessage: (m: Msg) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(`api/baton.v1.${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-baton-principal': PRINCIPAL },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok || res.body === null) {
    const json = (await res.json()) as ApiErrorBody;
    throw new ApiError(json.error);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const parsed = JSON.parse(line) as { result?: Msg } & Partial<ApiErrorBody>;
      if (parsed.error) throw new ApiError(parsed.error);
      if (parsed.result !== undefined) onMessage(parsed.result);
    }
  }
}
