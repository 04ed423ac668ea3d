#!/usr/bin/env node
// Session context (exec hooks): `save` at session_end writes what the run did (status, completed tasks)
// to <dir>/<workflow>.json; `restore` at session_start or session_restore reads it back and answers it
// as the hook's context, recorded with the verdict in the journal (HookDecided) and the hook log.
//   hooks:
//     - { name: save-context, trigger: session_end, command: node, args: [examples/hooks/session-context.js, save, /tmp/ctx] }
//     - { name: restore-context, trigger: session_start, command: node, args: [examples/hooks/session-context.js, restore, /tmp/ctx] }

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} s @returns {unknown} */
function parseJson(s) {
  return JSON.parse(s);
}

const [mode, dir] = process.argv.slice(2);
if ((mode !== 'save' && mode !== 'restore') || dir === undefined) {
  process.stderr.write('usage: session-context.js save|restore DIR');
  process.exit(1); // a warn (or a deny for a fail-closed hook): the hook is misconfigured
}
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (/** @type {string} */ d) => (text += d));
process.stdin.on('end', () => {
  const inv = /** @type {{ runId: string, workflow: string, context?: Record<string, unknown> }} */ (
    parseJson(text)
  );
  const file = join(dir, `${inv.workflow}.json`);
  if (mode === 'save') {
    mkdirSync(dir, { recursive: true });
    const saved = { run: inv.runId, at: new Date().toISOString(), ...inv.context };
    writeFileSync(file, JSON.stringify(saved, null, 2));
    process.exit(0);
  }
  if (!existsSync(file)) process.exit(0); // the first session: nothing to restore
  const previous = /** @type {Record<string, unknown>} */ (parseJson(readFileSync(file, 'utf8')));
  process.stdout.write(
    JSON.stringify({
      verdict: 'allow',
      message: `restored the context of run ${String(previous.run)}`,
      context: { previous },
    }),
  );
});
