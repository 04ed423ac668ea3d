// The conformance.yaml a plugin author writes for `baton plugin test`: read into the suite's scenarios
// (scripted agents played as written), and every mistake refused with BATON_E_CONFORMANCE_SCENARIOS
// naming the file and the field.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../../src/agents/handler.js';
import { findScenarios, loadScenarios } from '../../../src/conformance/index.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-scenarios-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKFLOW = `workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks: [{ id: one, agent: a }]
`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const call = (s: { agents: Record<string, unknown> }, agent: string, input: unknown = {}): unknown =>
  (s.agents[agent] as (ctx: HandlerContext) => unknown)({ input } as HandlerContext);

describe('conformance.yaml', () => {
  it('plays each agent as scripted: reply, replies then repeat or echo, fail', () => {
    file('workflow.yaml', WORKFLOW);
    const path = file(
      'conformance.yaml',
      `workflow: workflow.yaml
scripted:
  input: { q: 1 }
  agents:
    a: { replies: [first, second] }
    b: { replies: [{ items: [1] }], then: echo }
adversarial:
  max_steps: 4
  agents: { a: { reply: { again: true } } }
failing:
  workflow: { name: other, version: "1", agents: { a: { type: t } }, tasks: [{ id: x, agent: a }] }
  agents: { a: { fail: out of ink } }
  expect: { status: failed, code: BATON_E_AGENT_REJECTED }
`,
    );
    expect(findScenarios(dir)).toBe(path);
    const s = loadScenarios(path, '/plugin/manifest.json');
    expect(s.manifest).toBe('/plugin/manifest.json');
    expect(s.scripted.workflow).toBe(WORKFLOW);
    expect(s.scripted.input).toEqual({ q: 1 });
    expect([call(s.scripted, 'a'), call(s.scripted, 'a'), call(s.scripted, 'a')]).toEqual([
      'first',
      'second',
      'second',
    ]);
    expect([call(s.scripted, 'b', 'x'), call(s.scripted, 'b', { results: [2] })]).toEqual([
      { items: [1] },
      { results: [2] },
    ]);
    expect(s.adversarial.maxSteps).toBe(4);
    expect(call(s.adversarial, 'a')).toEqual({ again: true });
    expect(s.failing.workflow).toMatchObject({ name: 'other' });
    expect(s.failing.expect).toEqual({ status: 'failed', code: 'BATON_E_AGENT_REJECTED' });
    expect(() => call(s.failing, 'a')).toThrow(
      expect.objectContaining({ message: 'out of ink', retryable: false }),
    );
  });

  it('refuses a file that does not fit, naming the file and the field', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['bad.yaml', 'scripted: [', /bad\.yaml: cannot be read as YAML: /],
      ['bad.json', '{', /bad\.json: cannot be read as JSON: /],
      [
        'no-bound.yaml',
        `workflow: workflow.yaml\nscripted: {}\nadversarial: {}\nfailing: { expect: { status: failed } }\n`,
        /no-bound\.yaml: adversarial\.max_steps: /,
      ],
      [
        'bad-agent.yaml',
        `workflow: workflow.yaml\nscripted: { agents: { a: { say: hi } } }\nadversarial: { max_steps: 1 }\nfailing: { expect: { status: failed } }\n`,
        /bad-agent\.yaml: scripted\.agents\.a: /,
      ],
      [
        'no-workflow.yaml',
        `scripted: {}\nadversarial: { max_steps: 1 }\nfailing: { expect: { status: failed } }\n`,
        /no-workflow\.yaml: scripted\.workflow: missing \(and no top-level workflow is given\)/,
      ],
      [
        'gone.yaml',
        `workflow: nowhere.yaml\nscripted: {}\nadversarial: { max_steps: 1 }\nfailing: { expect: { status: failed } }\n`,
        /gone\.yaml: scripted\.workflow: .*nowhere\.yaml cannot be read/,
      ],
    ];
    for (const [name, text, message] of cases) {
      expect(() => loadScenarios(file(name, text), '/m.json'), name).toThrow(
        expect.objectContaining({
          code: 'BATON_E_CONFORMANCE_SCENARIOS',
          message: expect.stringMatching(message) as unknown,
        }),
      );
    }
    expect(() => loadScenarios(join(dir, 'missing.yaml'), '/m.json')).toThrow(
      expect.objectContaining({ code: 'BATON_E_CONFORMANCE_SCENARIOS' }),
    );
    expect(findScenarios(join(dir, 'nowhere'))).toBeUndefined();
  });
});
