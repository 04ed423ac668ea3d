#!/usr/bin/env node
// The `baton` command: a thin shim over the compiled CLI (run `npm ci` or `npm run build` first).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
