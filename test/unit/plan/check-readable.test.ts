// One pass reports every problem it can: the schema's, and then the references, graph, capability
// and quota problems of the parts of the file that could be read, without follow-on errors from the
// parts that could not.

import { describe, expect, it } from 'vitest';
import { checkWorkflowSource } from '../../../src/plan/index.js';

const found = (text: string) =>
  checkWorkflowSource(text).diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);

describe('a file with schema problems and reference problems', () => {
  it('reports both in one pass, in file order', () => {
    expect(
      found(`workflow:
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
`),
    ).toEqual([
      'BATON_E_UNKNOWN_KEY 4:3',
      'BATON_E_UNKNOWN_KEY 9:19',
      'BATON_E_UNKNOWN_AGENT 12:14',
      'BATON_E_UNKNOWN_DEPENDENCY 13:20',
    ]);
  });

  it('checks the rest when a required workflow key is missing or has the wrong type', () => {
    expect(
      found(`workflow:
  name: [w]
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: b
    - id: two
      agent: a
      depends_on: [one, one_]
`),
    ).toEqual([
      'BATON_E_MISSING_KEY 2:3',
      'BATON_E_WRONG_TYPE 2:9',
      'BATON_E_UNKNOWN_AGENT 6:14',
      'BATON_E_UNKNOWN_DEPENDENCY 9:25',
    ]);
  });

  it('places problems after a task that could not be read at their own lines, with their own paths', () => {
    const r = checkWorkflowSource(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - just a string
    - id: one
      agent: a
      depends_on: [7, nope]
`);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, `${d.line}:${d.col}`, d.path.join('.')])).toEqual([
      ['BATON_E_WRONG_TYPE', '6:7', 'workflow.tasks.0'],
      ['BATON_E_WRONG_TYPE', '9:20', 'workflow.tasks.1.depends_on.0'],
      ['BATON_E_UNKNOWN_DEPENDENCY', '9:23', 'workflow.tasks.1.depends_on.1'],
    ]);
  });

  it('still finds capability mismatches and quota problems in the parts that were read', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents:
    small: { type: t, capabilities: [x] }
    big: { type: t, resources: { cpu: 16 } }
    remote: { type: t, endpoint: { modul: ./a.js } }
  resource_constraints: { max_cpu: 8 cores }
  tasks:
    - id: a
      agent: small
      requires: [y]
    - id: b
      agent: big
      timeout: soon
`),
    ).toEqual([
      'BATON_E_AGENT_TOO_LARGE 6:39',
      'BATON_E_UNKNOWN_KEY 7:36',
      'BATON_E_CAPABILITY_MISMATCH 12:18',
      'BATON_E_INVALID_VALUE 15:16',
    ]);
  });

  it('still finds dependency cycles', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: a
      agent: a
      depends_on: [b]
      retry: { max_attempts: 0 }
    - id: b
      agent: a
      depends_on: [a]
`),
    ).toEqual(['BATON_E_INVALID_VALUE 9:30', 'BATON_E_CYCLE 12:20']);
  });

  it('gives the readable part as the spec, and the plan of it when it has no cycle', () => {
    const r = checkWorkflowSource(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: a
      timeout: soon
    - id: two
      agent: a
      depends_on: [one]
`);
    expect(r.ok).toBe(false);
    expect(r.spec?.tasks.map((t) => t.id)).toEqual(['one', 'two']);
    expect(r.plan?.levels).toEqual([['one'], ['two']]);
  });

  it('checks nothing further when nothing is left to check', () => {
    expect(found('workflow:\n  name: w\n  version: 1\n  agents: { a: { type: t } }\n  tasks: []\n')).toEqual([
      'BATON_E_INVALID_VALUE 5:10',
    ]);
    expect(found('workflow:\n  name: w\n  version: 1\n  agents: {}\n  tasks: [5]\n')).toEqual([
      'BATON_E_WRONG_TYPE 5:11',
    ]);
  });
});

describe('a part that could not be read', () => {
  it('is not also reported as missing: a task whose agent had the wrong type has no second problem', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: [a]
    - id: two
      agent: b
`),
    ).toEqual(['BATON_E_WRONG_TYPE 7:14', 'BATON_E_UNKNOWN_AGENT 9:14']);
  });

  it('counts as declared: a task with a malformed id, an agent without a type are not unknown', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents:
    a: { capabilities: [x] }
  tasks:
    - id: "first one"
      agent: a
    - id: 2
      agent: a
    - id: three
      agent: a
      depends_on: ["first one", 2]
      input: { x: 'tasks["first one"].output' }
  hooks:
    - name: h
      trigger: pre_task
      command: ./h.sh
      tasks: [three, 2]
`),
    ).toEqual([
      'BATON_E_MISSING_KEY 5:8',
      'BATON_E_INVALID_VALUE 7:11',
      'BATON_E_WRONG_TYPE 9:11',
      'BATON_E_INVALID_VALUE 13:20',
      'BATON_E_WRONG_TYPE 13:33',
      'BATON_E_WRONG_TYPE 19:22',
    ]);
  });

  it('counts a reference a typo away from an unreadable name as meaning it', () => {
    // Fixing `web search:` to `web_search:` fixes both; `writer` is unknown either way.
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents:
    web search: { type: t }
  tasks:
    - id: first one
      agent: web_search
    - id: two
      agent: writer
      depends_on: [first_one]
`),
    ).toEqual(['BATON_E_INVALID_VALUE 5:5', 'BATON_E_INVALID_VALUE 7:11', 'BATON_E_UNKNOWN_AGENT 10:14']);
  });

  it('counts a task written as text by that name, and takes any name for a task without an id', () => {
    const file = (second: string) => `workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: b
${second}
    - id: three
      agent: a
      depends_on: [research, two]
      input: tasks.two.output
`;
    // "research" is the task written as text; "two" is not declared anywhere.
    expect(found(file('    - research'))).toEqual([
      'BATON_E_UNKNOWN_AGENT 7:14',
      'BATON_E_WRONG_TYPE 8:7',
      'BATON_E_UNKNOWN_DEPENDENCY 11:30',
      'BATON_E_CEL_UNKNOWN_TASK 12:14',
    ]);
    // A task without an id may be "research" or "two": neither is reported, the missing id is.
    expect(found(file('    - agent: a'))).toEqual(['BATON_E_UNKNOWN_AGENT 7:14', 'BATON_E_MISSING_KEY 8:7']);
  });

  it('counts as declared when all of `agents:` had the wrong type', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents: [a]
  tasks:
    - id: one
      agent: a
      requires: [x]
      depends_on: [zero]
`),
    ).toEqual(['BATON_E_WRONG_TYPE 4:11', 'BATON_E_UNKNOWN_DEPENDENCY 9:20']);
  });

  it("does not make a task's capability check fail when its agent's capabilities could not be read", () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents:
    a: { type: t, capabilites: [x] }
    b: { type: t, capabilities: [x, 5] }
  tasks:
    - id: one
      agent: a
      requires: [x]
    - id: two
      agent: b
      requires: [x, 5]
`),
    ).toEqual(['BATON_E_UNKNOWN_KEY 5:19', 'BATON_E_WRONG_TYPE 6:37', 'BATON_E_WRONG_TYPE 13:21']);
  });

  it("does not make a task's own keys conflict: the misspelt or wrong key may be the one it needed", () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agnet: a
    - id: two
      agent: a
      for_each: "[1, 2]"
      parallel: lots
      input: item
    - id: three
      agent: a
      parallel: true
      depends_on: [one]
      input: item
`),
    ).toEqual(['BATON_E_UNKNOWN_KEY 7:7', 'BATON_E_WRONG_TYPE 11:17']);
  });

  it('does not make channels unknown when the coordination block was misspelt or partly wrong', () => {
    const body = (coordination: string) => `workflow:
  name: w
  version: "1"
${coordination}
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: a
      on: { channel: reviews, event: done }
      emits: [{ channel: reviews, event: started }]
`;
    expect(found(body('  cordination: { event_driven: [reviews] }'))).toEqual(['BATON_E_UNKNOWN_KEY 4:3']);
    expect(found(body('  coordination: { event_driven: [reviews, 5] }'))).toEqual([
      'BATON_E_WRONG_TYPE 4:43',
    ]);
    // Read whole, the same file has an unreachable task.
    expect(found(body('  coordination: { event_driven: [reviews] }'))).toEqual([
      'BATON_E_UNREACHABLE_TASK 9:38',
    ]);
  });

  it('does not make a task unreachable when some emits could not be read', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  coordination: { event_driven: [reviews] }
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: a
      emits: [{ channel: reviews, event: started }, { channel: reviews, evnt: done }]
    - id: two
      agent: a
      on: { channel: reviews, event: done }
      when: "false"
`),
    ).toEqual(['BATON_E_UNKNOWN_KEY 9:73', 'BATON_E_UNREACHABLE_TASK 13:13']);
  });

  it('does not call a read "not upstream" when some depends_on could not be read', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: a
    - id: two
      agent: a
      depends_on: one
    - id: three
      agent: a
      depends_on: [two]
      input: tasks.one.output
`),
    ).toEqual(['BATON_E_WRONG_TYPE 10:19']);
  });

  it('does not make a block too large when a member agent lost its resources', () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents:
    a: { type: t, resources: { cpu: lots } }
    b: { type: t, resources: { cpu: 1 } }
  resource_constraints: { max_cpu: 1500m }
  tasks:
    - id: talk
      block: { pattern: debate, agents: [a, b] }
`),
    ).toEqual(['BATON_E_INVALID_VALUE 5:37']);
  });

  it("does not check a hook's own consistency when part of it could not be read", () => {
    expect(
      found(`workflow:
  name: w
  version: "1"
  agents: { a: { type: t } }
  tasks:
    - id: one
      agent: a
  hooks:
    - name: h
      trigger: session_start
      command: ./h.sh
      tasks: [one, nope]
      timeout_ms: soon
`),
    ).toEqual(['BATON_E_UNKNOWN_TASK 12:20', 'BATON_E_WRONG_TYPE 13:19']);
  });
});
