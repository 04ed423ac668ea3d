// @ts-check
// Librarian (magentic example specialist): the cheap way to find sources, listing the bundled corpus
// articles whose title contains a keyword.
//
// Input: { instruction, args: { keyword }, round, facts, plan }. Output: { docs: [{ id, title }] }.

import { loadDocuments } from '../../corpus/index.js';

/** @param {{ input: unknown }} ctx */
export default async function librarian(ctx) {
  const { args } = /** @type {{ args: { keyword: string } }} */ (ctx.input);
  const keyword = args.keyword.toLowerCase();
  const docs = (await loadDocuments())
    .filter((d) => d.title.toLowerCase().includes(keyword))
    .map((d) => ({ id: d.id, title: d.title }));
  return { docs };
}
