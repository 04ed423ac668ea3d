// Orchestration pattern names: the built-ins, and the form of a plugin reference (owner/name@version).

export const BUILTIN_PATTERNS = [
  'graph',
  'sequential',
  'concurrent',
  'supervisor',
  'handoff',
  'hierarchical',
  'swarm',
  'network',
  'group_chat',
  'magentic',
  'debate',
  'map_reduce',
  'router',
  'reflection',
] as const;

export type BuiltinPattern = (typeof BUILTIN_PATTERNS)[number];

/**
 * The built-ins shipped as plugins (sources in plugins/, built into dist/plugins by
 * `npm run build:plugins`); the rest of BUILTIN_PATTERNS are native graph modes.
 */
export const BUILTIN_PLUGIN_PATTERNS: readonly BuiltinPattern[] = [
  'supervisor',
  'handoff',
  'hierarchical',
  'swarm',
  'group_chat',
  'debate',
  'map_reduce',
  'router',
  'reflection',
  'magentic',
  'network',
];

/**
 * `acme/triage@1.2.0`: owner and name as in a package registry, a semantic version; or a range,
 * `@1.2` (the highest 1.2.x installed) or `@1` (the highest 1.x.y), resolved when the run starts.
 */
export const PLUGIN_REFERENCE =
  /^[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*@\d+(?:\.\d+(?:\.\d+(?:-[0-9A-Za-z.-]+)?)?)?$/;

export const isBuiltinPattern = (name: string): name is BuiltinPattern =>
  (BUILTIN_PATTERNS as readonly string[]).includes(name);

export const isPatternName = (name: string): boolean => isBuiltinPattern(name) || PLUGIN_REFERENCE.test(name);
