import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function write(name: string, content: string | Buffer): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, content);
  return p;
}

const VALID = `workflow:
  name: tiny
  version: "1"
  agents:
    worker: { type: worker_agent, capabilities: [work] }
  tasks:
    - id: a
      agent: worker
    - id: b
      agent: worker
      depends_on: [a]
`;

describe('baton validate', () => {
  it('accepts the reference workflow of the specification and exits 0', async () => {
    const r = await baton(['validate', 'examples/research_and_analysis.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'examples/research_and_analysis.yaml: valid (research_and_analysis@1.0, 4 tasks)',
    );
  });

  it('reports every problem of a file in one pass as FILE:LINE:COL  CODE  message, and exits 1', async () => {
    const f = write(
      'two-problems.yaml',
      `workflow:
  name: broken
  version: "1"
  agents:
    worker: { type: worker_agent, capabilities: [work] }
  tasks:
    - id: a
      agent: wroker
    - id: b
      agent: worker
      dependson: [a]
`,
    );
    const r = await baton(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${f}:8:14  BATON_E_UNKNOWN_AGENT  `));
    expect(r.stderr).toMatch(new RegExp(`${f}:11:7  BATON_E_UNKNOWN_KEY  `));
    expect(r.stderr).toContain('did you mean "depends_on"?');
    expect(r.stderr).toContain('2 problems');
  });

  it('reports schema problems and reference problems together, each at its FILE:LINE:COL, and exits 1', async () => {
    const f = write(
      'combined.yaml',
      `workflow:
  name: r
  version: "1"
  bogus: 1
  agents:
    a:
      type: t
      capabilities: [x]
      endpoint: { builtin: echo }
  tasks:
    - id: t1
      agent: nope
      depends_on: [t9]
    - id: t2
      agent: [a]
`,
    );
    const r = await baton(['validate', f]);
    expect(r.code).toBe(1);
    const places = r.stderr
      .split('\n')
      .filter((l) => l.startsWith(f))
      .map((l) =>
        l
          .slice(f.length + 1)
          .split('  ')
          .slice(0, 2)
          .join(' '),
      );
    // In file order; t2's agent had the wrong type, so it is not also reported as unknown or missing.
    expect(places).toEqual([
      '4:3 BATON_E_UNKNOWN_KEY',
      '9:19 BATON_E_UNKNOWN_KEY',
      '12:14 BATON_E_UNKNOWN_AGENT',
      '13:20 BATON_E_UNKNOWN_DEPENDENCY',
      '15:14 BATON_E_WRONG_TYPE',
    ]);
    expect(r.stderr).toContain(`${f}: 5 problems`);
  });

  it('tells a file without `workflow:` so, in one problem', async () => {
    const f = write('no-workflow.yaml', 'name: r\nversion: "1"\nagents: {}\ntasks: []\n');
    const r = await baton(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${f}:1:1  BATON_E_MISSING_KEY  "name", "version", "agents" and "tasks" belong under a top-level "workflow:" key`,
    );
    expect(r.stderr).toContain(`${f}: 1 problem`);
  });

  it('validates several files and fails if any is invalid', async () => {
    const good = write('good.yaml', VALID);
    const bad = write(
      'cycle.yaml',
      VALID.replace(
        '    - id: a\n      agent: worker\n',
        '    - id: a\n      agent: worker\n      depends_on: [b]\n',
      ),
    );
    const r = await baton(['validate', good, bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${good}: valid`);
    expect(r.stderr).toContain('BATON_E_CYCLE');
    expect(r.stderr).toMatch(/a -> b -> a|b -> a -> b/);
  });

  it('prints machine-readable diagnostics with --json', async () => {
    const f = write('json.yaml', VALID.replace('depends_on: [a]', 'depends_on: [zzz]'));
    const r = await baton(['validate', '--json', f]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      diagnostics: Array<{ code: string; line: number; col: number }>;
    };
    expect(out.valid).toBe(false);
    expect(out.diagnostics).toEqual([
      expect.objectContaining({ code: 'BATON_E_UNKNOWN_DEPENDENCY', line: 11, col: 20 }),
    ]);
  });

  it('exits 2 on a usage error (no file given, unknown flag)', async () => {
    expect((await baton(['validate'])).code).toBe(2);
    expect((await baton(['validate', '--frobnicate', 'x.yaml'])).code).toBe(2);
    expect((await baton(['no-such-command'])).code).toBe(2);
  });

  it('reports a missing file and a directory clearly instead of crashing', async () => {
    const missing = await baton(['validate', join(tmp.dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('BATON_E_FILE_READ');
    expect(missing.stderr).toContain('ENOENT');
    const dir = await baton(['validate', tmp.dir]);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain('is a directory');
  });

  it('rejects hostile input with a clear error, never a crash or a hang', async () => {
    const junk = write('junk.yaml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const bomb = write(
      'bomb.yaml',
      ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        .concat(
          Array.from(
            { length: 9 },
            (_, i) =>
              `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
                .fill('*' + String.fromCharCode(97 + i))
                .join(',')}]`,
          ),
        )
        .join('\n') + '\nworkflow: *j\n',
    );
    const deep = write('deep.yaml', 'workflow: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n');
    const big = write('big.yaml', Buffer.alloc(50 * 1024 * 1024, 'a: b\n'));
    for (const [file, code] of [
      [junk, 'BATON_E_NOT_TEXT'],
      [bomb, 'BATON_E_YAML_ALIAS_LIMIT'],
      [deep, 'BATON_E_YAML_TOO_DEEP'],
      [big, 'BATON_E_FILE_TOO_LARGE'],
    ] as const) {
      const r = await baton(['validate', file]);
      expect(r.killed, `${file} hung`).toBe(false);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(code);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    }
  });
});

describe('baton schema', () => {
  it('prints a JSON Schema that describes workflow files', async () => {
    const r = await baton(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: { workflow: unknown } };
    expect(schema.properties.workflow).toBeDefined();
    expect(r.stdout).toContain('depends_on');
  });
});
