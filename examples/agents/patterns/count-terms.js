// @ts-check
// Term counter (map_reduce example's mapper): counts the words and the stemmed terms of the corpus
// articles of its chunk.
//
// Input: { chunk: [doc id], chunk_index, chunks, offset }.
// Output: { docs: [{ id, title, words }], terms: { term: count } }.

import { loadDocuments } from '../../corpus/index.js';
import { terms } from '../../corpus/text.js';
import { wordCount } from './summary-terms.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function countTerms(ctx) {
  const { chunk } = /** @type {{ chunk: string[] }} */ (ctx.input);
  const all = await loadDocuments();
  /** @type {Record<string, number>} */
  const counts = {};
  const docs = chunk.map((id) => {
    const doc = all.find((d) => d.id === id);
    if (doc === undefined) throw new Error(`count-terms: no corpus article "${id}"`);
    const text = doc.paragraphs.join(' ');
    for (const t of terms(text)) counts[t] = (counts[t] ?? 0) + 1;
    return { id, title: doc.title, words: wordCount(text) };
  });
  return { docs, terms: counts };
}
