// ABI v1 as the host speaks it (docs/plugin-abi/v1.md; shapes in proto/baton/plugin/v1): the version,
// the exports each kind must have, and zod schemas for everything a plugin returns. The host never
// trusts a plugin's output: each answer is parsed here and a misfit names the plugin, export and field.

import { z } from 'zod';
import { BatonError } from '../errors/registry.js';
import type { PatternDecision } from '../core/index.js';

/** The ABI version this host implements. */
export const HOST_ABI = { major: 1, minor: 1 } as const;

/** The version marker export of ABI major 1. */
export const ABI_MARKER = 'baton_abi_v1';

export const REQUIRED_EXPORTS = {
  pattern: [ABI_MARKER, 'baton_describe', 'pattern_init', 'pattern_step'],
  hook: [ABI_MARKER, 'baton_describe', 'hook_run'],
} as const;

export type PluginExport = 'baton_describe' | 'pattern_init' | 'pattern_step' | 'hook_run';

const Json = z.json();
const JsonObject = z.record(z.string(), Json);
const ErrorShape = z.strictObject({
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an upper snake case code'),
  message: z.string(),
});

export const DescribeResponse = z.object({
  abi_version: z.string().regex(/^\d+\.\d+$/, 'major.minor, e.g. "1.0"'),
  kind: z.enum(['pattern', 'hook']),
  name: z.string().min(1),
  version: z.string().min(1),
  config_schema: JsonObject.default({}),
});
export type DescribeResponse = z.output<typeof DescribeResponse>;

export const PatternInitResponse = z.union([
  z.object({
    setup: z.object({
      state: Json.default(null),
      judges: z.array(z.string()).default([]),
      holds: z.array(z.string()).default([]),
      serial: z.boolean().default(false),
      // ABI 1.1; absent (not false) for a plugin that does not set them, so its journal is unchanged.
      judges_failures: z.boolean().optional(),
      judges_delegations: z.boolean().optional(),
    }),
  }),
  z.object({ error: ErrorShape }),
]);
export type PatternInitResponse = z.output<typeof PatternInitResponse>;

/** ABI 1.1: an event a decision publishes (the engine checks the channel against the workflow). */
const PatternEvent = z.strictObject({
  channel: z.string().min(1),
  type: z.string().min(1),
  data: Json.default(null),
  to: z.string().min(1).optional(),
});
const reason = { reason: z.string().optional(), events: z.array(PatternEvent).max(1000).optional() };
const Decision = z.discriminatedUnion('op', [
  z.object({ op: z.literal('continue'), output: Json.optional(), ...reason }),
  z.object({
    op: z.literal('rerun'),
    also: z.array(z.string()).default([]),
    input: JsonObject.default({}),
    inputs: z.record(z.string(), JsonObject).optional(),
    ...reason,
  }),
  z.object({
    op: z.literal('delegate'),
    subtasks: z.array(z.object({ agent: z.string().min(1), input: Json.default(null) })),
    ...reason,
  }),
  z.object({
    op: z.literal('handoff'),
    to: z.string().min(1),
    input: JsonObject.default({}),
    also: z.array(z.string()).optional(),
    inputs: z.record(z.string(), JsonObject).optional(),
    ...reason,
  }),
  z.object({ op: z.literal('complete'), output: JsonObject.optional(), ...reason }),
  z.object({ op: z.literal('fail'), error: ErrorShape, ...reason }),
]);

export const PatternStepResponse = z.object({ state: Json.default(null), decision: Decision });
export type PatternStepResponse = { readonly state: unknown; readonly decision: PatternDecision };

/** Decodes and validates one answer; BATON_E_PLUGIN_OUTPUT names the plugin, export and field. */
export function parseAnswer<T>(schema: z.ZodType<T>, text: string, plugin: string, exp: string): T {
  if (text.length === 0) {
    throw new BatonError(
      'BATON_E_PLUGIN_OUTPUT',
      `plugin ${plugin}, export ${exp}: no output (an ABI v1 export always answers)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BatonError(
      'BATON_E_PLUGIN_OUTPUT',
      `plugin ${plugin}, export ${exp}: the output is not JSON (${(e as Error).message})`,
    );
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new BatonError(
    'BATON_E_PLUGIN_OUTPUT',
    `plugin ${plugin}, export ${exp}: the output does not fit ABI v1 (${problems.join('; ')})`,
  );
}
