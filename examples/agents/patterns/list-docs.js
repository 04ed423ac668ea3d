// @ts-check
// Corpus lister (map_reduce example's map task): lists the corpus articles to process (all, or those
// whose title or id contains `topic`). It runs once: the pattern collects the mappers' results itself.
//
// Input: { topic? }. Output: { items: [doc id] }.

import { loadDocuments } from '../../corpus/index.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function listDocs(ctx) {
  const input = /** @type {{ topic?: string }} */ (ctx.input);
  const topic = (input.topic ?? '').toLowerCase();
  const docs = await loadDocuments();
  const items = docs.filter((d) => `${d.id} ${d.title}`.toLowerCase().includes(topic)).map((d) => d.id);
  return { items };
}
