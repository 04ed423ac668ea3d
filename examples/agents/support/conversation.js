// @ts-check
// What every support agent reads and returns under the handoff pattern: the customer's request, the
// turns so far (`context`) and the handoff that brought the case here; then either a handoff onward or
// a final answer whose markdown report tells the whole conversation and its resolution.

import { isRecord, requireArray, requireRecord, requireText } from '../input.js';

/**
 * @typedef {object} Turn one earlier agent's turn, as the trail shows it
 * @property {string} agent
 * @property {string} summary
 * @property {string | null} to the agent it handed off to
 * @property {string | null} reason
 */
/**
 * @typedef {object} Conversation
 * @property {Record<string, unknown>} input the whole input, for fields only one agent reads
 * @property {string} request the customer's words
 * @property {Turn[]} trail the turns before this one, oldest first
 * @property {Record<string, unknown>} handed what the previous agent passed along (`handoff.input`)
 */

/**
 * @param {string} agent
 * @param {unknown} raw the task input: { request, ... } plus { context, handoff } after a handoff
 * @returns {Conversation}
 */
export function readConversation(agent, raw) {
  const input = requireRecord(agent, 'input', raw);
  const context = input.context === undefined ? [] : requireArray(agent, 'context', input.context);
  const handoff = input.handoff === undefined ? {} : requireRecord(agent, 'handoff', input.handoff);
  return {
    input,
    request: requireText(agent, 'request', input.request),
    trail: context.map((turn, i) => readTurn(agent, `context[${i}]`, turn)),
    handed: isRecord(handoff.input) ? handoff.input : {},
  };
}

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {Turn}
 */
function readTurn(agent, path, v) {
  const turn = requireRecord(agent, path, v);
  const output = requireRecord(agent, `${path}.output`, turn.output);
  const ask = output.handoff;
  const to = typeof ask === 'string' ? ask : isRecord(ask) && typeof ask.to === 'string' ? ask.to : null;
  const reason = isRecord(ask) && typeof ask.reason === 'string' ? ask.reason : null;
  return {
    agent: requireText(agent, `${path}.agent`, turn.agent),
    summary: requireText(agent, `${path}.output.summary`, output.summary),
    to,
    reason,
  };
}

/**
 * This turn passes the case on: Baton runs `to` next with this turn in its context.
 * @template {Record<string, unknown>} T
 * @param {{ summary: string, to: string, reason: string, input: Record<string, unknown> }} turn
 * @param {T} details what the agent found, kept in the journal with its output
 */
export function handOff(turn, details) {
  return {
    ...details,
    summary: turn.summary,
    handoff: { to: turn.to, reason: turn.reason, input: turn.input },
  };
}

/**
 * This turn answers the customer and ends the run: the report shows the trail, then the resolution.
 * @template {Record<string, unknown>} T
 * @param {Conversation} conversation
 * @param {{ agent: string, summary: string, resolution: string[], sources?: string[] }} turn
 *   resolution and sources are markdown lines
 * @param {T} details
 */
export function resolve(conversation, turn, details) {
  const route = [...conversation.trail.map((t) => t.agent), turn.agent];
  const steps = [...conversation.trail, { agent: turn.agent, summary: turn.summary, to: null, reason: null }];
  const lines = [
    `# Support case: ${headline(conversation.request)}`,
    '',
    `> ${conversation.request}`,
    '',
    '## Conversation trail',
    '',
    `Route: ${route.join(' → ')}`,
    '',
    ...steps.map(
      (t, i) =>
        `${i + 1}. **${t.agent}**: ${t.summary}` +
        (t.to === null ? '' : ` Handed off to **${t.to}**${t.reason === null ? '.' : `: ${t.reason}.`}`),
    ),
    '',
    '## Resolution',
    '',
    ...turn.resolution,
    ...(turn.sources && turn.sources.length > 0 ? ['', '## Sources', '', ...turn.sources] : []),
  ];
  return {
    ...details,
    summary: turn.summary,
    resolution: turn.resolution.join('\n'),
    report: lines.join('\n'),
  };
}

/**
 * The request's first sentence, cut to a title's length at a word boundary.
 * @param {string} request
 */
function headline(request) {
  const first = request.split(/(?<=[.!?])\s/)[0] ?? request;
  if (first.length <= 70) return first;
  return `${first.slice(0, 70).replace(/\s+\S*$/, '')}…`;
}
