// @ts-check
// Corpus lookup (the router example's fallback, the swarm example's answer): answers a free-text
// question with the sentence of the best BM25 passage of the bundled corpus (of article `doc` only,
// when given) that shares most terms with it, citing the passage.
//
// Input: { question, doc? }. Output: { answer, source: { passage_id, title, score } }.

import { openCorpus } from '../../corpus/index.js';
import { sentences, terms } from '../../corpus/text.js';
import { questionOf } from './energy-units.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function lookup(ctx) {
  const question = questionOf(ctx.input);
  const corpus = await openCorpus();
  const doc = /** @type {{ doc?: unknown }} */ (ctx.input).doc;
  const [best] =
    typeof doc === 'string'
      ? corpus.search(question, corpus.passages.length).filter((h) => h.passage.doc_id === doc)
      : corpus.search(question, 1);
  if (best === undefined) return { answer: null, source: null };
  const asked = new Set(terms(question));
  let answer = '';
  let shared = -1;
  for (const s of sentences(best.passage.text)) {
    const n = terms(s).filter((t) => asked.has(t)).length;
    if (n > shared) [answer, shared] = [s, n];
  }
  return {
    answer,
    source: {
      passage_id: best.passage.id,
      title: best.passage.title,
      score: Math.round(best.score * 1000) / 1000,
    },
  };
}
