// What every hook kind answers, parsed one way: a verdict JSON object (docs/hooks.md), checked with zod,
// and a hook's own failure turned into the verdict its `fail` policy says (deny when closed, else warn).

import { z } from 'zod';
import type { HookConfig, HookVerdict } from './hook-model.js';

const VerdictJson = z.object({
  verdict: z.enum(['allow', 'warn', 'deny', 'transform']),
  message: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  patch: z.unknown().optional(),
});

/** The verdict in `text` (an empty answer allows). Throws an Error naming what is wrong. */
export function parseVerdict(text: string): HookVerdict {
  if (text.trim() === '') return { verdict: 'allow' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`the answer is not JSON (${(e as Error).message})`, { cause: e });
  }
  const r = VerdictJson.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`the answer is not a verdict (${problems.join('; ')})`);
  }
  if (r.data.verdict === 'transform' && r.data.patch === undefined) {
    throw new Error('a transform verdict needs a patch');
  }
  const v: { -readonly [K in keyof HookVerdict]: HookVerdict[K] } = { verdict: r.data.verdict };
  if (r.data.message !== undefined) v.message = r.data.message;
  if (r.data.context !== undefined) v.context = r.data.context;
  if (r.data.patch !== undefined) v.patch = r.data.patch;
  return v;
}

/** The hook's own failure as its verdict: a pre_* hook (fail closed) denies, others warn. */
export function failed(hook: HookConfig, error: string): HookVerdict & { readonly error: string } {
  const message = `hook "${hook.name}" failed: ${error}`;
  return { verdict: hook.fail === 'closed' ? 'deny' : 'warn', message, error };
}

/** The longest text a hook may answer (stdout, response body) before it is stopped: 1 MiB. */
export const MAX_HOOK_OUTPUT = 1 << 20;
