// @ts-check
// Corpus lister (map_reduce example's map task): first lists the corpus articles to process (all, or
// those whose title or id contains `topic`); run again with the mappers' `results`, it answers them
// back, as the map_reduce pattern asks of its map task (ABI 1.0 shows a pattern no subtask output).
//
// Input: { topic? } then { topic?, results }. Output: { items: [doc id] }, then { results }.

import { loadDocuments } from '../../corpus/index.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function listDocs(ctx) {
  const input = /** @type {{ topic?: string, results?: unknown[] }} */ (ctx.input);
  if (input.results !== undefined) return { results: input.results };
  const topic = (input.topic ?? '').toLowerCase();
  const docs = await loadDocuments();
  const items = docs.filter((d) => `${d.id} ${d.title}`.toLowerCase().includes(topic)).map((d) => d.id);
  return { items };
}
