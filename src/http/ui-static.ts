// The web UI's files (built by `npm run build` into dist/ui) served at "/" of the HTTP listener: assets
// by path with long caching (their names carry a content hash), every other GET path answers index.html
// so the UI's own routes (#/runs/...) and a reload work. Without a built UI, "/" says how to build it.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** dist/ui of the package this module belongs to (from src/ under tsx, or from dist/src/ once built). */
export function uiDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ui');
}

export function uiRouter(dir = uiDirectory()): Router {
  const router = express.Router();
  const index = join(dir, 'index.html');
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false, index: false }),
  );
  router.use(express.static(dir, { index: false }));
  router.get(/.*/, (_req, res) => {
    if (!existsSync(index)) {
      res
        .status(404)
        .type('text/plain')
        .send('The web UI is not built: run `npm run build` (it builds ui/ into dist/ui).\n');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
