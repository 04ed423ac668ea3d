// @ts-check
// Technical agent (type technical_agent): answers a technical question from the bundled knowledge base
// (the energy-storage corpus), ranking passages with BM25 and quoting, from each of the best, the
// sentence that shares most terms with the question, with numbered citations.
//
// Input: { request } plus { context, handoff } from triage.
// Output: { summary, citations: [{ n, passage_id, title, score, sentence }], resolution, report }.

import { openCorpus } from '../../corpus/index.js';
import { sentences, terms } from '../../corpus/text.js';
import { readConversation, resolve } from './conversation.js';

const AGENT = 'technical';
/** Passages quoted at most: enough to answer, few enough to read. */
const TOP_K = 3;

/**
 * @param {{ input: unknown }} ctx
 */
export default async function technical(ctx) {
  const conversation = readConversation(AGENT, ctx.input);
  const corpus = await openCorpus();
  const hits = corpus.search(conversation.request, TOP_K);
  const asked = new Set(terms(conversation.request));
  const citations = hits.map((h, i) => ({
    n: i + 1,
    passage_id: h.passage.id,
    title: h.passage.title,
    score: Math.round(h.score * 1000) / 1000,
    sentence: bestSentence(h.passage.text, asked),
  }));
  if (citations.length === 0) {
    return resolve(
      conversation,
      {
        agent: AGENT,
        summary: 'Found no knowledge-base article on the question.',
        resolution: [
          'None of our articles covers this question. Please describe the symptoms and the model of your system.',
        ],
      },
      { citations },
    );
  }
  return resolve(
    conversation,
    {
      agent: AGENT,
      summary: `Answered from ${citations.length} knowledge-base passages (${citations.map((c) => c.passage_id).join(', ')}).`,
      resolution: citations.map((c) => `- ${c.sentence} [${c.n}]`),
      sources: citations.map((c) => `${c.n}. ${c.title} (${c.passage_id}, BM25 ${c.score})`),
    },
    { citations },
  );
}

/**
 * The sentence sharing most terms with the question; the earliest of equals.
 * @param {string} text
 * @param {Set<string>} asked the question's terms
 */
function bestSentence(text, asked) {
  const scored = sentences(text).map((s) => ({ s, n: new Set(terms(s).filter((t) => asked.has(t))).size }));
  return scored.reduce((best, x) => (x.n > best.n ? x : best), scored[0] ?? { s: text, n: 0 }).s;
}
