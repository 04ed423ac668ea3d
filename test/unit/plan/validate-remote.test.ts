import { describe, expect, it } from 'vitest';
import {
  acceptsMode,
  checkWorkflowSource,
  offers,
  type AgentCardCheck,
  type AgentOffer,
} from '../../../src/plan/index.js';

const offer = (over: Partial<AgentOffer> = {}): AgentOffer => ({
  url: 'http://agent.example/.well-known/agent-card.json',
  skills: [
    { id: 'web_search', tags: ['search', 'web'], inputModes: [], outputModes: ['application/json'] },
    { id: 'summarize', tags: ['writing'], inputModes: ['text/plain'], outputModes: [] },
  ],
  defaultInputModes: ['application/json'],
  defaultOutputModes: ['text/plain'],
  problems: [],
  ...over,
});

const source = (requires: string, more = '') => `workflow:
  name: remote
  version: "1"
  agents:
    researcher:
      type: research_agent
      capabilities: [web_search, writing, translate, "input:application/pdf", "output:image/png", "input:text/plain"]
      endpoint: { a2a: "http://agent.example" }
    local: { type: t, capabilities: [translate], endpoint: { module: ./a.js } }
${more}  tasks:
    - id: research
      agent: researcher
      requires: ${requires}
    - { id: other, agent: local, requires: [translate] }
`;

const check = (src: string, cards: Record<string, AgentCardCheck>) =>
  checkWorkflowSource(src, { file: 'wf.yaml', agentCards: new Map(Object.entries(cards)) });

describe('media types', () => {
  it('match exactly, by wildcard, ignoring parameters, and by the informal names cards use', () => {
    expect(acceptsMode(['application/json'], 'application/json; charset=utf-8')).toBe(true);
    expect(acceptsMode(['image/*'], 'image/png')).toBe(true);
    expect(acceptsMode(['*/*'], 'application/pdf')).toBe(true);
    expect(acceptsMode(['text'], 'text/plain')).toBe(true);
    expect(acceptsMode(['data'], 'application/json')).toBe(true);
    expect(acceptsMode(['text/plain'], 'application/json')).toBe(false);
    expect(acceptsMode([], 'application/json')).toBe(false);
  });
});

describe('what a card offers', () => {
  it('a skill id or tag; input:/output: a media type some skill takes or gives (its own, else the defaults)', () => {
    const o = offer();
    expect(offers(o, 'web_search')).toBe(true);
    expect(offers(o, 'writing')).toBe(true);
    expect(offers(o, 'translate')).toBe(false);
    expect(offers(o, 'output:application/json')).toBe(true);
    expect(offers(o, 'output:text/plain')).toBe(true);
    expect(offers(o, 'output:image/png')).toBe(false);
    expect(offers(o, 'input:text/plain')).toBe(true);
    expect(offers(o, 'input:application/pdf')).toBe(false);
  });

  it('a card that names no media types says nothing against any; one without skills offers no skill', () => {
    const bare = offer({ skills: [], defaultInputModes: [], defaultOutputModes: [] });
    expect(offers(bare, 'input:application/pdf')).toBe(true);
    expect(offers(bare, 'web_search')).toBe(false);
  });
});

describe('validation against cards', () => {
  it('reports each requirement the card does not offer at its place, and checks nothing of local agents', () => {
    const r = check(source('[web_search, translate, "input:application/pdf", "output:image/png"]'), {
      researcher: { ok: true, offer: offer() },
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.path.join('.'), d.line])).toEqual([
      ['BATON_E_AGENT_CARD_MISMATCH', 'workflow.tasks.0.requires.1', 13],
      ['BATON_E_AGENT_CARD_MISMATCH', 'workflow.tasks.0.requires.2', 13],
      ['BATON_E_AGENT_CARD_MISMATCH', 'workflow.tasks.0.requires.3', 13],
    ]);
    expect(r.diagnostics[0]).toMatchObject({
      message: expect.stringContaining('task "research" requires "translate"') as unknown,
      expected: expect.stringContaining('web_search (tags search, web); summarize (tags writing)') as unknown,
      hint: 'skills offered: "web_search" and "summarize"',
    });
  });

  it('suggests a near skill; says so when the card lists none', () => {
    const near = check(source('[web_serch]').replace('web_search, writing', 'web_serch, writing'), {
      researcher: { ok: true, offer: offer() },
    });
    expect(near.diagnostics[0]?.hint).toBe('did you mean "web_search"?');
    const none = check(source('[writing]'), { researcher: { ok: true, offer: offer({ skills: [] }) } });
    expect(none.diagnostics[0]?.hint).toBe('the card lists no skills');
  });

  it('passes a workflow the card fits', () => {
    const r = check(source('[web_search, writing, "input:text/plain"]'), {
      researcher: { ok: true, offer: offer() },
    });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('a card Baton cannot use, or that is not a card, is an error at the endpoint; an unreachable one a warning', () => {
    const at = ['workflow', 'agents', 'researcher', 'endpoint', 'a2a'];
    const unusable = check(source('[web_search]'), {
      researcher: { ok: true, offer: offer({ problems: ['no interface Baton speaks'] }) },
    });
    expect(unusable.diagnostics).toEqual([
      expect.objectContaining({ code: 'BATON_E_AGENT_CARD_INVALID', path: at, line: 8 }),
    ]);
    expect(unusable.diagnostics[0]?.message).toContain('no interface Baton speaks');
    const invalid = check(source('[web_search]'), {
      researcher: { ok: false, code: 'BATON_E_AGENT_CARD_INVALID', message: 'HTTP 404' },
    });
    expect(invalid.diagnostics).toEqual([
      expect.objectContaining({ code: 'BATON_E_AGENT_CARD_INVALID', path: at }),
    ]);
    const unreachable = check(source('[translate]'), {
      researcher: { ok: false, code: 'BATON_E_AGENT_CARD_UNREACHABLE', message: 'ECONNREFUSED' },
    });
    // Not checked, so not an error: the task's requirement stands unchallenged.
    expect(unreachable.ok).toBe(true);
    expect(unreachable.warnings).toEqual([
      expect.objectContaining({
        code: 'BATON_E_AGENT_CARD_UNREACHABLE',
        severity: 'warning',
        path: at,
        line: 8,
      }),
    ]);
  });

  it('keeps the warning when the file has errors of its own', () => {
    const r = check(
      source('[web_search]', '    extra: { type: t, endpoint: { a2a: "http://x.example" } }\n').replace(
        'agent: local',
        'agent: nobody',
      ),
      {
        extra: { ok: false, code: 'BATON_E_AGENT_CARD_UNREACHABLE', message: 'timed out' },
      },
    );
    expect(r.ok).toBe(false);
    expect(r.warnings).toHaveLength(1);
  });
});
