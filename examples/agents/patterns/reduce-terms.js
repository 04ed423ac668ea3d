// @ts-check
// Corpus statistics (map_reduce example's reducer): adds up the mappers' counts, and reports the
// totals, the longest articles and the most frequent terms.
//
// Input: { map: { items, chunks, results: [{ docs, terms } | null], skipped, retried }, top? }.
// Output: { articles, words, terms: [{ term, count }], longest: [{ id, words }], report }.

/**
 * @param {{ input: unknown }} ctx
 */
export default function reduceTerms(ctx) {
  const { map, top = 10 } = /** @type {{ map: MapOutput, top?: number }} */ (ctx.input);
  /** @type {Record<string, number>} */
  const totals = {};
  /** @type {Array<{ id: string, title: string, words: number }>} */
  const docs = [];
  for (const r of map.results) {
    if (r === null) continue;
    docs.push(...r.docs);
    for (const [t, n] of Object.entries(r.terms)) totals[t] = (totals[t] ?? 0) + n;
  }
  const words = docs.reduce((s, d) => s + d.words, 0);
  const terms = Object.entries(totals)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([term, count]) => ({ term, count }));
  const longest = [...docs].sort((a, b) => b.words - a.words || (a.id < b.id ? -1 : 1)).slice(0, 3);
  const report = [
    '# Corpus statistics (map_reduce)',
    '',
    `${docs.length} articles, ${words} words, mapped in ${map.chunks} chunks` +
      (map.skipped.length > 0 ? ` (${map.skipped.length} skipped)` : '') +
      (map.retried > 0 ? `, ${map.retried} retried` : '') +
      '.',
    '',
    '## Longest articles',
    ...longest.map((d) => `- ${d.title} (${d.id}): ${d.words} words`),
    '',
    '## Top terms',
    '| term | count |',
    '| --- | --- |',
    ...terms.map((t) => `| ${t.term} | ${t.count} |`),
  ].join('\n');
  return { articles: docs.length, words, terms, longest, report };
}

/**
 * @typedef {object} MapOutput
 * @property {number} items
 * @property {number} chunks
 * @property {Array<{ docs: Array<{ id: string, title: string, words: number }>, terms: Record<string, number> } | null>} results
 * @property {number[]} skipped
 * @property {number} retried
 */
