// A plugin's manifest: who it is, which ABI versions it accepts, the sha256 its bytes must have and
// the limits it runs under. One zod schema, strict (unknown keys are errors), defaults that work.

import { z } from 'zod';
import { BatonError } from '../errors/registry.js';

/** The host's hard ceilings: a manifest may ask for less, never more. */
export const HOST_LIMITS = {
  /** 64 KiB pages a module may declare as its memory maximum (1024 = 64 MiB). */
  memoryPages: 1024,
  timeoutMs: 10_000,
  outputBytes: 16 * 1024 * 1024,
} as const;

const NAME = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
/** `^1.0`: ABI major 1, minor 0 or later. */
const ABI_RANGE = /^\^(\d+)\.(\d+)$/;

export const PluginManifestSchema = z.strictObject({
  name: z.string().regex(NAME, 'a lower-case name, optionally scoped: "supervisor", "acme/auction"'),
  version: z.string().regex(SEMVER, 'a semver version such as 1.2.0'),
  kind: z.enum(['pattern', 'hook']),
  abi: z.string().regex(ABI_RANGE, 'an ABI range such as "^1.0" (major 1, minor 0 or later)'),
  /** The module file, relative to the manifest. */
  wasm: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  limits: z
    .strictObject({
      memory_pages: z.number().int().min(1).max(HOST_LIMITS.memoryPages).default(256),
      timeout_ms: z.number().int().min(1).max(HOST_LIMITS.timeoutMs).default(1000),
      output_bytes: z
        .number()
        .int()
        .min(1024)
        .max(HOST_LIMITS.outputBytes)
        .default(1024 * 1024),
    })
    .prefault({}),
  description: z.string().optional(),
});

export type PluginManifest = z.output<typeof PluginManifestSchema>;

/** `name@version`: how messages and the journal name a plugin. */
export const pluginId = (m: { name: string; version: string }): string => `${m.name}@${m.version}`;

/**
 * Parses a manifest (JSON already decoded), frozen.
 * @throws BatonError BATON_E_PLUGIN_MANIFEST naming every field that is wrong and `where` it came from.
 */
export function parseManifest(raw: unknown, where: string): Readonly<PluginManifest> {
  const r = PluginManifestSchema.safeParse(raw);
  if (r.success) return Object.freeze(r.data);
  const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new BatonError('BATON_E_PLUGIN_MANIFEST', `${where}: ${problems.join('; ')}`);
}

/** The ABI range a manifest accepts, as numbers. */
export function abiRange(m: PluginManifest): { major: number; minor: number } {
  const [, major, minor] = ABI_RANGE.exec(m.abi)!;
  return { major: Number(major), minor: Number(minor) };
}
