#!/usr/bin/env node
// pre_command security policy (an exec hook): reads the invocation as JSON on stdin and denies a
// command that matches a rule below, by exit code 2 with the reason on stderr; anything else is allowed
// (exit 0, nothing on stdout). Register it for every run of the namespace:
//   baton hook add security pre_command node -- examples/hooks/security-policy.js
// or in a workflow's `hooks:` list (examples/hooks/security.yaml).

const RULES = [
  [/\brm\s+(-[a-z]*r[a-z]*f|-[a-z]*f[a-z]*r)\b/i, 'recursive forced delete (rm -rf)'],
  [/\b(curl|wget)\b[^|]*\|\s*(ba|z)?sh\b/i, 'piping a download into a shell'],
  [/\bmkfs(\.\w+)?\b|\bdd\s+if=.*\bof=\/dev\//i, 'writing a filesystem or a raw device'],
  [/\bchmod\s+(-R\s+)?777\b/i, 'making files writable by everyone (chmod 777)'],
  [/:\(\)\s*\{\s*:\|:&\s*\};:/, 'a fork bomb'],
];

/** @param {unknown} v @returns {Record<string, unknown>} */
const obj = (v) => (typeof v === 'object' && v !== null ? /** @type {Record<string, unknown>} */ (v) : {});

/** The command line the invocation is about: context.command, context.args(.command|.argv), or all of it. */
function commandLine(/** @type {unknown} */ inv) {
  const c = obj(obj(inv).context);
  const args = c.args ?? c.input;
  if (typeof c.command === 'string') return c.command;
  if (Array.isArray(args)) return args.map(String).join(' ');
  const a = obj(args);
  if (typeof a.command === 'string') return a.command;
  if (Array.isArray(a.argv)) return a.argv.map(String).join(' ');
  return JSON.stringify(c);
}

let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (/** @type {string} */ d) => (text += d));
process.stdin.on('end', () => {
  const line = commandLine(JSON.parse(text));
  for (const [rule, why] of RULES) {
    if (/** @type {RegExp} */ (rule).test(line)) {
      process.stderr.write(`denied by policy: ${String(why)}: ${line}`);
      process.exit(2);
    }
  }
  process.exit(0);
});
