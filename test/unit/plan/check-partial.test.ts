import { describe, expect, it } from 'vitest';
import { checkWorkflowSource } from '../../../src/plan/index.js';

const codes = (text: string) =>
  checkWorkflowSource(text).diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);

describe('checkWorkflowSource with unknown keys', () => {
  it('still reports the problems elsewhere in the file in the same pass', () => {
    expect(
      codes(`workflow:
  name: w
  version: "1"
  orchestration: supervisor
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: b
`),
    ).toEqual(['BATON_E_UNKNOWN_KEY 4:3', 'BATON_E_UNKNOWN_AGENT 8:14']);
  });

  it('does not report what the unknown key itself caused in its task', () => {
    // `agnet` is dropped, so the task has no agent: that is the typo, not a second problem.
    expect(
      codes(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agnet: a
    - id: two
      agent: a
      depends_on: [nope]
`),
    ).toEqual(['BATON_E_UNKNOWN_KEY 7:7', 'BATON_E_UNKNOWN_DEPENDENCY 10:20']);
  });

  it('checks the rest of the file when the shape is wrong in other ways too', () => {
    // depends_on has the wrong type and is left out; the unknown agent is still reported.
    expect(
      codes(`workflow:
  name: w
  version: "1"
  colour: blue
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: b
      depends_on: one
`),
    ).toEqual(['BATON_E_UNKNOWN_KEY 4:3', 'BATON_E_UNKNOWN_AGENT 8:14', 'BATON_E_WRONG_TYPE 9:19']);
  });
});
