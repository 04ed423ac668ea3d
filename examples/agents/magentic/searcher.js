// @ts-check
// Searcher (magentic example specialist): full-text BM25 search over the bundled corpus's passages.
//
// Input: { instruction, args: { query, k }, round, facts, plan }.
// Output: { passages: [{ id, doc_id, title, text, score }] }, best first.

import { openCorpus } from '../../corpus/index.js';

/** @param {{ input: unknown }} ctx */
export default async function searcher(ctx) {
  const { args } = /** @type {{ args: { query: string, k: number } }} */ (ctx.input);
  const corpus = await openCorpus();
  const passages = corpus.search(args.query, args.k).map((h) => ({
    id: h.passage.id,
    doc_id: h.passage.doc_id,
    title: h.passage.title,
    text: h.passage.text,
    score: Math.round(h.score * 1000) / 1000,
  }));
  return { passages };
}
