// @ts-check
// Triage agent (type triage_agent): the first agent a request meets. It scores the request against
// the categories support handles and hands it to the agent of the best one (billing or technical); a
// greeting, or a request it cannot place, it answers itself.
//
// Input: { request }.
// Output: { summary, category, scores: [{ category, score, matched }] } and either `handoff` (to
//   "billing" or "technical") or { resolution, report }.

import { handOff, readConversation, resolve } from './conversation.js';
import { scoreCategories, weighted } from './keywords.js';

const AGENT = 'triage';

/** Each routable category is named for the agent that handles it, which is why it gets the case. */
const HANDLES = {
  billing: 'billing handles charges, refunds and orders',
  technical: 'technical answers questions on how batteries work and fail',
};
/** The words that place a request in a category, by weight. */
const CATEGORIES = {
  billing: weighted({
    3: 'refund refunds charged overcharged invoice bill billed billing payment payments',
    2: 'paid charge charges credit money twice duplicate cancel',
    1: 'order price delivery late damaged broken return',
  }),
  technical: weighted({
    3: 'overheating overheat thermal runaway fire smoke error fault degradation degrade',
    2: 'charging discharging capacity efficiency lifespan cycles voltage inverter install installation temperature hot safety',
    1: 'safe heat working why how',
  }),
};
const GREETINGS = { greeting: weighted({ 1: 'hello hi hey thanks thank morning afternoon' }) };

/**
 * @param {{ input: unknown }} ctx
 */
export default function triage(ctx) {
  const conversation = readConversation(AGENT, ctx.input);
  const scores = scoreCategories(conversation.request, CATEGORIES);
  const best = scores[0];
  if (best && best.score > 0) {
    const evidence = `score ${best.score}: ${best.matched.join(', ')}`;
    return handOff(
      {
        summary: `Classified the request as ${best.category} (${evidence}).`,
        to: best.category,
        reason: HANDLES[/** @type {keyof typeof HANDLES} */ (best.category)],
        input: { category: best.category, matched: best.matched },
      },
      { category: best.category, scores },
    );
  }
  const greeted = (scoreCategories(conversation.request, GREETINGS)[0]?.score ?? 0) > 0;
  const resolution = greeted
    ? 'Hello! We can help with billing (charges, refunds, late or damaged orders) and with technical questions about home batteries. What can we do for you?'
    : 'We could not tell what the request is about. Please tell us your order number for a billing question, or describe what your battery system does for a technical one.';
  return resolve(
    conversation,
    {
      agent: AGENT,
      summary: greeted ? 'Answered a greeting.' : 'Asked for details.',
      resolution: [resolution],
    },
    { category: greeted ? 'greeting' : 'unknown', scores },
  );
}
