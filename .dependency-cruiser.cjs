// Import direction of docs/architecture.md, enforced (run by `npm run lint`).
// Arrows point down only: cli/api/a2a/http -> runtime -> agents/hooks/wasm -> core -> plan -> spec -> errors.
const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'http2',
  'https',
  'child_process',
  'worker_threads',
  'dgram',
  'cluster',
  'os',
  'readline',
  'tty',
  'perf_hooks',
  'better-sqlite3',
  'pg',
  'ioredis',
  '@grpc/grpc-js',
  '@extism/extism',
  'express',
];
const ioPattern = `^(node:)?(${IO_MODULES.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`;

const pure = (layer, allowed) => ({
  name: `${layer}-imports-down-only`,
  comment: `src/${layer} may import only ${allowed.join(', ') || 'itself'} (and errors/).`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${layer}/`, '^src/errors/', ...allowed.map((l) => `^src/${l}/`)],
  },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'pure-layers-do-no-io',
      comment: 'spec, plan and core are pure: no file, network, process or database modules.',
      severity: 'error',
      from: { path: '^src/(spec|plan|core|errors)/' },
      to: { path: ioPattern },
    },
    {
      name: 'pure-layers-no-io-builtins',
      severity: 'error',
      from: { path: '^src/(spec|plan|core|errors)/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?(util|events|crypto|assert)$' },
    },
    pure('errors', []),
    pure('spec', []),
    pure('plan', ['spec']),
    pure('core', ['spec', 'plan']),
    {
      name: 'store-bus-are-leaves',
      comment: 'Adapters know nothing of the engine above them.',
      severity: 'error',
      from: { path: '^src/(store|bus|telemetry)/' },
      to: { path: '^src/(cli|api|a2a|http|runtime|agents|hooks|wasm|app)' },
    },
    {
      name: 'runtime-below-edges',
      severity: 'error',
      from: { path: '^src/(runtime|agents|hooks|wasm)/' },
      to: { path: '^src/(cli|api|a2a|http)/' },
    },
    {
      name: 'middle-layers-below-runtime',
      severity: 'error',
      from: { path: '^src/(agents|hooks|wasm)/' },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'wasm-host-placement',
      comment:
        'src/wasm (the plugin host) sits beside agents/hooks: runtime may import it; core and the pure layers may not (decide stays pure), and the host knows no store, bus or agents.',
      severity: 'error',
      from: { path: '^src/wasm/' },
      to: { path: '^src/(store|bus|agents|hooks|app)' },
    },
    {
      name: 'pure-layers-not-wasm',
      severity: 'error',
      from: { path: '^src/(spec|plan|core|errors)/' },
      to: { path: '^src/wasm/' },
    },
    {
      name: 'conformance-beside-the-edges',
      comment:
        'The conformance suite opens its own engines (app.ts): only the CLI uses it, and it uses no edge.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|conformance)/' },
      to: { path: '^src/conformance/' },
    },
    {
      name: 'conformance-no-edges',
      severity: 'error',
      from: { path: '^src/conformance/' },
      to: { path: '^src/(cli|api|a2a|http)/' },
    },
    {
      name: 'generated-code-only-in-api',
      comment: 'Only the gRPC edge (and the SDK, its own package) imports code generated from proto/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/api/' },
      to: { path: '^src/api/gen/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
