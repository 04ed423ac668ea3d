#!/usr/bin/env node
// npm's `prepare`: builds dist/ (tsc + the UI) and the built-in plugins after `npm ci` / `npm install`.
// `npx baton` in a checkout runs `prepare` again: npx installs the checkout itself (a link in its cache)
// to find the `baton` bin, and a link's `prepare` runs. dist/ is already built then, and rebuilding it
// made a newcomer's first `npx baton` take ~50 s instead of ~1 s; so under `npm exec` with a built
// dist/ there is nothing to do.

import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const built = existsSync('dist/src/cli/main.js') && existsSync('dist/plugins');
if (process.env.npm_command === 'exec' && built) process.exit(0);
execSync('npm run build && npm run build:plugins', { stdio: 'inherit' });
