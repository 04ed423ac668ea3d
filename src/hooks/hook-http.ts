// http hooks (webhooks): the invocation POSTed as JSON to the hook's URL, signed with HMAC-SHA256 of the
// body under a shared secret (header X-Baton-Signature-256: sha256=<hex>), answered by a verdict JSON
// body (empty: allow). A non-2xx status, a timeout or an oversized body is the hook's own failure.

import { createHmac } from 'node:crypto';
import type { HookConfig, HookInvocation, HookRunner, HookVerdict } from './hook-model.js';
import { failed, MAX_HOOK_OUTPUT, parseVerdict } from './hook-verdict.js';

export interface HttpHookOptions {
  /** The secret webhooks are signed with (config `hook_secret`, env BATON_HOOK_SECRET); unsigned without. */
  readonly secret?: string;
  /** A secret per hook name, over `secret`. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly maxBodyBytes?: number;
}

export const SIGNATURE_HEADER = 'x-baton-signature-256';

/** The signature header's value for `body` under `secret`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class HttpHookRunner implements HookRunner {
  readonly kind = 'http' as const;
  constructor(private readonly opts: HttpHookOptions = {}) {}

  async run(
    hook: HookConfig,
    inv: HookInvocation,
    signal: AbortSignal,
  ): Promise<HookVerdict & { error?: string }> {
    const body = JSON.stringify(inv);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-baton-hook': hook.name,
      'x-baton-trigger': inv.trigger,
      'x-baton-idempotency-key': inv.idempotencyKey,
    };
    if (inv.traceparent !== undefined) headers.traceparent = inv.traceparent;
    const secret = this.opts.secrets?.[hook.name] ?? this.opts.secret;
    if (secret !== undefined) headers[SIGNATURE_HEADER] = signBody(secret, body);
    const timeout = AbortSignal.timeout(hook.timeout_ms);
    try {
      const res = await fetch(hook.command, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, timeout]),
        redirect: 'error',
      });
      const text = await readCapped(res, this.opts.maxBodyBytes ?? MAX_HOOK_OUTPUT);
      if (!res.ok)
        return failed(
          hook,
          `${hook.command} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        );
      return parseVerdict(text);
    } catch (e) {
      if (timeout.aborted) return failed(hook, `timed out after ${hook.timeout_ms} ms`);
      return failed(hook, (e as Error).message + causeOf(e));
    }
  }
}

const causeOf = (e: unknown): string => {
  const c = (e as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
};

/** The body as text, refusing (and cancelling) one longer than `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      throw new Error(`the response body is longer than ${max} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}
