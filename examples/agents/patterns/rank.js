// @ts-check
// Document ranker (swarm example): finds the corpus article that best answers a question, by the
// method its swarm instance was given: "bm25" (the article of the best BM25 passage), "coverage"
// (the article whose terms cover most of the question's, weighted by how rare each term is across
// the corpus) or "title" (most question terms in the title, body coverage breaking ties).
//
// Input: { method, question }. Output: { answer: <doc id>, title, method, score }.

import { loadDocuments, openCorpus } from '../../corpus/index.js';
import { terms } from '../../corpus/text.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function rank(ctx) {
  const { method, question } = /** @type {{ method: string, question: string }} */ (ctx.input);
  const asked = [...new Set(terms(question))];
  if (asked.length === 0) return { error: 'the question has no searchable terms', method };
  if (method === 'bm25') {
    const [best] = (await openCorpus()).search(question, 1);
    if (best === undefined) return { error: 'no passage matches', method };
    const score = Math.round(best.score * 1000) / 1000;
    return { answer: best.passage.doc_id, title: best.passage.title, method, score };
  }
  const docs = await loadDocuments();
  const bodies = docs.map((d) => new Set(terms(d.paragraphs.join(' '))));
  const titles = docs.map((d) => new Set(terms(d.title)));
  // Inverse document frequency: a term in few articles says more about which one is meant.
  const idf = (/** @type {string} */ t) =>
    Math.log(docs.length / (1 + bodies.filter((b) => b.has(t)).length)) + 1;
  const coverage = (/** @type {number} */ i) =>
    asked.reduce((s, t) => s + (bodies[i]?.has(t) ? idf(t) : 0), 0);
  const scores = docs.map((_, i) =>
    method === 'title' ? asked.filter((t) => titles[i]?.has(t)).length * 1000 + coverage(i) : coverage(i),
  );
  if (method !== 'coverage' && method !== 'title') return { error: `unknown method "${method}"`, method };
  let best = 0;
  for (let i = 1; i < docs.length; i++) if ((scores[i] ?? 0) > (scores[best] ?? 0)) best = i;
  const doc = /** @type {import('../../corpus/index.js').CorpusDoc} */ (docs[best]);
  return { answer: doc.id, title: doc.title, method, score: Math.round((scores[best] ?? 0) * 1000) / 1000 };
}
