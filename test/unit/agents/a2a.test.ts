// The pure parts of the A2A adapter: how a credential is sent by the card's schemes, how artifacts become
// an output, how a call's error becomes a typed failure, what message an attempt sends.

import { describe, expect, it } from 'vitest';
import { AgentCard, Role, TaskState, type Part, type SecurityScheme } from '@a2a-js/sdk';
import {
  ContentTypeNotSupportedError,
  TaskNotFoundError,
  A2AError,
  InvalidAgentResponseError,
} from '@a2a-js/sdk/errors';
import { A2ACredentials, authFor, envVarOf } from '../../../src/agents/a2a/credentials.js';
import { cardProblems, inputShape, offerOf, usableInterfaces } from '../../../src/agents/a2a/card-offer.js';
import { parseCard } from '../../../src/agents/a2a/card.js';
import { failureOf, HttpStatusError, retryAfterMs } from '../../../src/agents/a2a/failures.js';
import { requestMessage } from '../../../src/agents/a2a/message.js';
import { messageText, outputOfParts, TaskView } from '../../../src/agents/a2a/task-view.js';
import { TaskInvocation } from '../../../src/agents/a2a-parts.js';

const http = (scheme: string): SecurityScheme => ({
  scheme: { $case: 'httpAuthSecurityScheme', value: { description: '', scheme, bearerFormat: '' } },
});
const apiKey = (location: string, name: string): SecurityScheme => ({
  scheme: { $case: 'apiKeySecurityScheme', value: { description: '', location, name } },
});

function card(schemes: Record<string, SecurityScheme>, requirements: string[][]): AgentCard {
  const base = AgentCard.fromJSON({
    name: 'c',
    supportedInterfaces: [{ url: 'http://x', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  });
  const securityRequirements = requirements.map((r) => ({
    schemes: Object.fromEntries(r.map((n) => [n, { list: [] }])),
  }));
  return { ...base, securitySchemes: schemes, securityRequirements };
}

const cred = { name: 'x', secret: 's3cret', from: 'test' };

describe('credentials', () => {
  it('come from BATON_A2A_TOKEN_<NAME> before the secrets file, by the first name that has one', () => {
    expect(envVarOf('archive-token.v2')).toBe('BATON_A2A_TOKEN_ARCHIVE_TOKEN_V2');
    const c = new A2ACredentials({ a: 'from-file', b: 'file-b' }, 'secrets.yaml', {
      BATON_A2A_TOKEN_B: 'from-env',
    });
    expect(c.find(['a'])).toEqual({ name: 'a', secret: 'from-file', from: 'secrets.yaml (a)' });
    expect(c.find(['b'])?.secret).toBe('from-env');
    expect(c.find(['nope', 'a'])?.name).toBe('a');
    expect(c.find(['nope'])).toBeUndefined();
    expect(c.whereTo('nope')).toBe('set BATON_A2A_TOKEN_NOPE or add "nope" to secrets.yaml');
    expect(new A2ACredentials().whereTo('x')).toContain('or name an A2A credentials file');
  });

  it('are sent as the card asks: bearer, basic, API key (header, query, cookie), OAuth2 / OIDC tokens', () => {
    const auth = (s: SecurityScheme, secret = 's3cret') =>
      authFor(card({ s }, [['s']]), { ...cred, secret }, false);
    expect(auth(http('Bearer'))).toEqual({
      ok: true,
      auth: { headers: { Authorization: 'Bearer s3cret' }, query: {} },
    });
    expect(auth(http('basic'), 'me:pw')).toMatchObject({
      auth: { headers: { Authorization: `Basic ${Buffer.from('me:pw').toString('base64')}` } },
    });
    expect(auth(http('Basic'), 'bWU6cHc=')).toMatchObject({
      auth: { headers: { Authorization: 'Basic bWU6cHc=' } },
    });
    expect(auth(http('Digest'))).toMatchObject({ auth: { headers: { Authorization: 'Digest s3cret' } } });
    expect(auth(apiKey('header', 'X-Key'))).toMatchObject({ auth: { headers: { 'X-Key': 's3cret' } } });
    expect(auth(apiKey('query', 'key'))).toMatchObject({ auth: { headers: {}, query: { key: 's3cret' } } });
    expect(auth(apiKey('cookie', 'sid'))).toMatchObject({ auth: { headers: { Cookie: 'sid=s3cret' } } });
    const oauth: SecurityScheme = {
      scheme: {
        $case: 'oauth2SecurityScheme',
        value: { description: '', flows: undefined, oauth2MetadataUrl: '' },
      },
    };
    const oidc: SecurityScheme = {
      scheme: {
        $case: 'openIdConnectSecurityScheme',
        value: { description: '', openIdConnectUrl: 'https://id' },
      },
    };
    expect(auth(oauth)).toMatchObject({ auth: { headers: { Authorization: 'Bearer s3cret' } } });
    expect(auth(oidc)).toMatchObject({ auth: { headers: { Authorization: 'Bearer s3cret' } } });
  });

  it('pick the first requirement Baton can meet; name the schemes when none can be met', () => {
    const mtls: SecurityScheme = { scheme: { $case: 'mtlsSecurityScheme', value: { description: '' } } };
    const both = card({ tls: mtls, key: apiKey('header', 'X-Key') }, [['tls'], ['key']]);
    expect(authFor(both, cred, false)).toMatchObject({ ok: true, auth: { headers: { 'X-Key': 's3cret' } } });
    expect(authFor(card({ tls: mtls }, [['tls']]), cred, false)).toEqual({
      ok: false,
      why: 'it requires tls (mutual TLS, which Baton does not support), none of which Baton can send',
    });
    expect(authFor(both, undefined, false)).toEqual({
      ok: false,
      why: 'it requires tls (mutual TLS, which Baton does not support), or key (API key in header X-Key), and no credential is configured',
    });
    // A requirement naming a scheme the card does not define cannot be met.
    expect(authFor(card({}, [['ghost']]), cred, false)).toMatchObject({ ok: false });
  });

  it('are not sent to an agent that requires none, unless the workflow named one', () => {
    const open = card({}, []);
    expect(authFor(open, cred, false)).toEqual({ ok: true, auth: { headers: {}, query: {} } });
    expect(authFor(open, cred, true)).toMatchObject({
      auth: { headers: { Authorization: 'Bearer s3cret' } },
    });
    expect(authFor(open, undefined, true)).toEqual({ ok: true, auth: { headers: {}, query: {} } });
  });
});

describe('cards', () => {
  const json = {
    name: 'r',
    supportedInterfaces: [
      { url: 'grpc://x', protocolBinding: 'GRPC', protocolVersion: '1.0' },
      { url: 'http://x/old', protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      { url: 'http://x', protocolBinding: 'jsonrpc', protocolVersion: '1.0' },
    ],
    defaultInputModes: ['text'],
    securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer' } } },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
  };

  it("read the spec's JSON and the SDK's own shapes alike", () => {
    const spec = parseCard(json, 'here');
    const sdk = parseCard(
      {
        ...json,
        securitySchemes: {
          bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { scheme: 'Bearer' } } },
        },
      },
      'here',
    );
    for (const c of [spec, sdk])
      expect(c.securitySchemes.bearer?.scheme?.$case).toBe('httpAuthSecurityScheme');
  });

  it('say which interfaces Baton speaks and what input it sends', () => {
    const c = parseCard(json, 'here');
    expect(usableInterfaces(c).map((i) => i.url)).toEqual(['http://x']);
    expect(inputShape(c)).toBe('text');
    expect(inputShape({ ...c, defaultInputModes: [] })).toBe('data');
    expect(inputShape({ ...c, defaultInputModes: ['image/png'] })).toBeUndefined();
    expect(cardProblems(c)).toEqual([]);
    expect(
      cardProblems({
        ...c,
        supportedInterfaces: c.supportedInterfaces.slice(0, 2),
        defaultInputModes: ['image/png'],
      }),
    ).toEqual([
      'no interface Baton speaks (JSONRPC or HTTP+JSON at protocol 1.x); the card offers GRPC 1.0, JSONRPC 0.3',
      'it takes neither application/json nor text/plain input (defaultInputModes: image/png)',
    ]);
    expect(offerOf(c, 'u')).toMatchObject({
      url: 'u',
      skills: [],
      defaultInputModes: ['text'],
      problems: [],
    });
  });
});

const part = (content: Part['content'], extra: Partial<Part> = {}): Part => ({
  content,
  metadata: undefined,
  filename: '',
  mediaType: '',
  ...extra,
});

describe('outputs', () => {
  it('one data part is its value; text alone is the text; anything else keeps every part', () => {
    expect(outputOfParts([])).toBeNull();
    expect(outputOfParts([part({ $case: 'data', value: { a: 1 } })])).toEqual({ a: 1 });
    expect(outputOfParts([part({ $case: 'text', value: 'a' }), part({ $case: 'text', value: 'b' })])).toBe(
      'a\n\nb',
    );
    expect(
      outputOfParts([
        part({ $case: 'data', value: 1 }),
        part({ $case: 'data', value: 2 }),
        part({ $case: 'text', value: 't' }),
      ]),
    ).toEqual({ text: 't', data: [1, 2], files: [] });
    expect(
      outputOfParts([
        part({ $case: 'raw', value: Buffer.from('hi') }, { filename: 'h.txt', mediaType: 'text/plain' }),
      ]),
    ).toEqual({ text: '', data: [], files: [{ name: 'h.txt', media_type: 'text/plain', bytes: 'aGk=' }] });
  });

  it('accumulate artifact updates: appended chunks join, a replaced artifact counts once', () => {
    const v = new TaskView();
    const update = (artifactId: string, text: string, append: boolean) =>
      v.apply({
        payload: {
          $case: 'artifactUpdate',
          value: {
            taskId: 't',
            contextId: 'c',
            artifact: {
              artifactId,
              name: '',
              description: '',
              parts: [part({ $case: 'text', value: text })],
              metadata: undefined,
              extensions: [],
            },
            append,
            lastChunk: false,
            metadata: undefined,
          },
        },
      });
    update('a', 'hello ', false);
    update('a', 'world', true);
    update('b', 'xx', false);
    update('b', 'yyy', false);
    expect(v.bytes).toBe('hello world'.length + 3);
    expect(outputOfParts(v.artifactList().flatMap((a) => a.parts))).toBe('hello \n\nworld\n\nyyy');
    v.apply({
      payload: {
        $case: 'statusUpdate',
        value: {
          taskId: 't',
          contextId: 'c',
          status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined },
          metadata: undefined,
        },
      },
    });
    expect(v.taskId).toBe('t');
    expect(v.done).toBe(true);
    v.apply({ payload: undefined });
  });

  it("a status message's words and structured parts", () => {
    const m = {
      messageId: 'm',
      contextId: '',
      taskId: '',
      role: Role.ROLE_AGENT,
      parts: [part({ $case: 'text', value: 'Which?' }), part({ $case: 'data', value: { choices: [1, 2] } })],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    expect(messageText(m)).toEqual({ text: 'Which?', data: { choices: [1, 2] } });
    expect(messageText({ ...m, parts: [...m.parts, part({ $case: 'data', value: 3 })] }).data).toEqual([
      { choices: [1, 2] },
      3,
    ]);
    expect(messageText(undefined)).toEqual({ text: '' });
  });
});

describe('failures', () => {
  const who = 'agent "r" (http://x)';
  it('are coded by what a retry can do', () => {
    expect(failureOf(new HttpStatusError(401, 'http://x', 'no'), who)).toMatchObject({
      code: 'BATON_E_A2A_AUTH_REQUIRED',
      retryable: false,
    });
    expect(failureOf(new HttpStatusError(503, 'http://x', '', 2000), who)).toMatchObject({
      code: 'BATON_E_AGENT_UNAVAILABLE',
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(failureOf(new TaskNotFoundError('gone'), who)).toMatchObject({
      code: 'BATON_E_AGENT_UNAVAILABLE',
      retryable: true,
    });
    expect(failureOf(new ContentTypeNotSupportedError('no pdf'), who)).toMatchObject({
      code: 'BATON_E_AGENT_REJECTED',
    });
    expect(failureOf(new InvalidAgentResponseError('junk'), who)).toMatchObject({
      code: 'BATON_E_AGENT_FAILED',
      retryable: true,
    });
    expect(failureOf(new A2AError('internal'), who)).toMatchObject({ code: 'BATON_E_AGENT_FAILED' });
    expect(
      failureOf(new Error('HTTP error for SendMessage! Status: 404 Not Found. Response: x'), who),
    ).toMatchObject({
      code: 'BATON_E_AGENT_REJECTED',
    });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(failureOf(refused, who)).toMatchObject({
      code: 'BATON_E_AGENT_UNAVAILABLE',
      message: 'agent "r" (http://x) could not be reached: fetch failed (ECONNREFUSED)',
    });
    expect(failureOf('weird', who).message).toContain('weird');
  });

  it('read Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

/** A part's content as a string (the text parts these tests look at). */
const text = (p: Part): string =>
  p.content?.$case === 'text' ? p.content.value : JSON.stringify(p.content?.value);

describe('the message of an attempt', () => {
  const inv = (input: unknown, description?: string) =>
    new TaskInvocation(
      'run_1',
      'research',
      'research[2]',
      3,
      'run_1/9/0',
      undefined,
      input,
      description,
      undefined,
    );

  it('carries the idempotency key as its id and one context per run and agent', () => {
    const m = requestMessage(inv({ q: 1 }, 'Find it'), 'researcher', 'data');
    expect(m).toMatchObject({
      messageId: 'run_1/9/0',
      contextId: 'run_1/researcher',
      taskId: '',
      role: Role.ROLE_USER,
    });
    expect(m.parts.map((p) => p.content)).toEqual([
      { $case: 'data', value: { q: 1 } },
      { $case: 'text', value: 'Find it' },
    ]);
    expect(m.metadata).toEqual({ baton: { run_id: 'run_1', task: 'research[2]', attempt: 3 } });
  });

  it('sends the input as text to an agent that takes only text', () => {
    expect(requestMessage(inv({ q: 1 }, 'Find it'), 'r', 'text').parts.map((p) => text(p))).toEqual([
      'Find it',
      '{\n  "q": 1\n}',
    ]);
    expect(requestMessage(inv('plain'), 'r', 'text').parts.map((p) => text(p))).toEqual(['plain']);
    expect(requestMessage(inv(null), 'r', 'text').parts.map((p) => text(p))).toEqual(['']);
  });
});
