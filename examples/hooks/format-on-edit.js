#!/usr/bin/env node
// post_edit formatting (an exec hook): after an agent's edit, formats the file it wrote, in place:
// trailing whitespace removed, tabs to two spaces, exactly one final newline. A real setup would run
// prettier or gofmt here; this one needs nothing installed. Answers a warn naming what it changed (the
// verdict is recorded; post_edit guards nothing, the file on disk is what changed).
//   hooks: [{ name: format, trigger: post_edit, command: node, args: [examples/hooks/format-on-edit.js] }]

import { readFileSync, writeFileSync } from 'node:fs';

/** @param {string} s @returns {unknown} */
function parseJson(s) {
  return JSON.parse(s);
}

let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (/** @type {string} */ d) => (text += d));
process.stdin.on('end', () => {
  const inv = /** @type {{ context?: { args?: { path?: unknown } } }} */ (parseJson(text));
  const path = inv.context?.args?.path;
  if (typeof path !== 'string') process.exit(0); // not a file edit: nothing to format
  const before = readFileSync(path, 'utf8');
  const after =
    before
      .split('\n')
      .map((l) => l.replace(/\t/g, '  ').replace(/[ \t]+$/, ''))
      .join('\n')
      .replace(/\n*$/, '') + '\n';
  if (after === before) process.exit(0);
  writeFileSync(path, after);
  process.stdout.write(JSON.stringify({ verdict: 'warn', message: `formatted ${path}` }));
});
