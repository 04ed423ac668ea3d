// Baton's version, read once from package.json (the single source of truth).

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = ((): { version: string } => {
  // Compiled code lives in dist/src/cli; sources in src/cli.
  for (const p of ['../../package.json', '../../../package.json']) {
    try {
      const candidate = require(p) as { name?: string; version: string };
      if (candidate.name === 'baton') return candidate;
    } catch {
      // try the next location
    }
  }
  return { version: '0.0.0' };
})();

export const VERSION: string = pkg.version;
