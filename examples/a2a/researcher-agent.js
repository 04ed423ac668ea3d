// @ts-check
// The example researcher as a remote A2A v1.0 agent (built with @a2a-js/sdk): the same BM25 search over
// the bundled corpus as examples/agents/researcher.js, served over JSON-RPC and HTTP+JSON with streaming
// progress. Start it, then run examples/research_and_analysis_a2a.yaml:
//
//   node examples/a2a/researcher-agent.js --port 41241
//
// Options: --port N (default 41241), --host H (default 127.0.0.1), --token T (require
// `Authorization: Bearer T`; Baton then needs BATON_A2A_TOKEN_RESEARCHER=T), --delay-ms N (pause before
// answering, to watch a long task or kill Baton in the middle of one).

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import express from 'express';
import { AGENT_CARD_PATH, AgentCard, Role, TaskState } from '@a2a-js/sdk';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import research from '../agents/researcher.js';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '41241' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
  },
});
const port = Number(opts.port);
const delayMs = Number(opts['delay-ms']);
const base = `http://${opts.host}:${port}`;

/** @type {import('@a2a-js/sdk').AgentCard} */
const card = {
  name: 'Baton example researcher',
  description: 'Answers one research sub-question from the bundled energy-storage corpus (BM25 ranking).',
  supportedInterfaces: [
    { url: base, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    { url: `${base}/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: '1.0' },
  ],
  provider: { organization: 'Baton examples', url: 'https://example.com/baton' },
  version: '1.0.0',
  capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
  securitySchemes: opts.token
    ? {
        bearer: {
          scheme: {
            $case: 'httpAuthSecurityScheme',
            value: { description: 'A shared token', scheme: 'Bearer', bearerFormat: '' },
          },
        },
      }
    : {},
  securityRequirements: opts.token ? [{ schemes: { bearer: { list: [] } } }] : [],
  defaultInputModes: ['application/json'],
  defaultOutputModes: ['application/json'],
  skills: [
    {
      id: 'web_search',
      name: 'Corpus search',
      description: 'Ranks corpus passages for one sub-question ({ item: { id, text, query? } } or a string).',
      tags: ['data_collection', 'research'],
      examples: ['{"item": {"id": "q1", "text": "How efficient is pumped hydro storage?"}}'],
      inputModes: ['application/json'],
      outputModes: ['application/json'],
      securityRequirements: [],
    },
  ],
  signatures: [],
};

/** @param {string} text @returns {import('@a2a-js/sdk').Part} */
const textPart = (text) => ({
  content: { $case: 'text', value: text },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

/** @type {import('@a2a-js/sdk/server').AgentExecutor} */
const executor = {
  cancelTask: (taskId, bus) => {
    cancelled.add(taskId);
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: '',
        status: {
          state: TaskState.TASK_STATE_CANCELED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        metadata: {},
      }),
    );
    return Promise.resolve();
  },
  execute: async (ctx, bus) => {
    const { taskId, contextId, userMessage } = ctx;
    /** @param {TaskState} state @param {string} [text] @param {Record<string, unknown>} [metadata] */
    const status = (state, text, metadata = {}) =>
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: {
            state,
            timestamp: new Date().toISOString(),
            message:
              text === undefined
                ? undefined
                : {
                    messageId: randomUUID(),
                    taskId,
                    contextId,
                    role: Role.ROLE_AGENT,
                    parts: [textPart(text)],
                    metadata,
                    extensions: [],
                    referenceTaskIds: [],
                  },
          },
          metadata,
        }),
      );
    bus.publish(
      AgentEvent.task({
        id: taskId,
        contextId,
        status: {
          state: TaskState.TASK_STATE_SUBMITTED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        artifacts: [],
        history: [userMessage],
        metadata: {},
      }),
    );
    const data = userMessage.parts.find((p) => p.content?.$case === 'data')?.content;
    /** @type {unknown} */
    const input = data?.$case === 'data' ? data.value : null;
    status(TaskState.TASK_STATE_WORKING, 'searching the corpus', { progress: 0.1 });
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (cancelled.has(taskId)) return;
    try {
      const result = await research({
        input,
        report: (progress, text) => status(TaskState.TASK_STATE_WORKING, text, { progress }),
      });
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: randomUUID(),
            name: 'research',
            description: 'Ranked passages for the sub-question',
            parts: [
              {
                content: { $case: 'data', value: result },
                metadata: undefined,
                filename: '',
                mediaType: 'application/json',
              },
            ],
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      status(TaskState.TASK_STATE_COMPLETED);
    } catch (e) {
      // The handler's errors say whether a retry can help (retryable: false on bad input).
      const retryable = /** @type {{ retryable?: boolean }} */ (e).retryable !== false;
      status(TaskState.TASK_STATE_FAILED, e instanceof Error ? e.message : String(e), { retryable });
    }
  },
};
const cancelled = new Set();

const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
const app = express();
// The card as the specification's JSON (the SDK would serve its own shapes for the security scheme).
app.use(
  `/${AGENT_CARD_PATH}`,
  agentCardHandler({
    agentCardProvider: () =>
      Promise.resolve(/** @type {import('@a2a-js/sdk').AgentCard} */ (AgentCard.toJSON(card))),
  }),
);
app.use((req, res, next) => {
  if (!opts.token || req.headers.authorization === `Bearer ${opts.token}`) return next();
  res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'a bearer token is required' });
});
app.use('/rest', restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
app.use(jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
const server = app.listen(port, opts.host, () => {
  console.log(`researcher agent (A2A 1.0) listening on ${base}; card at ${base}/${AGENT_CARD_PATH}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close(() => process.exit(0)));
