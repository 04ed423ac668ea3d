#!/usr/bin/env node
// The `baton` command: a thin shim over the compiled CLI (run `npm ci` or `npm run build` first).
// The process guards go in before the CLI is imported (dynamic imports: static ones would load first).
const { installProcessGuards } = await import('../dist/src/cli/process-guards.js');
installProcessGuards();
const { main } = await import('../dist/src/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
