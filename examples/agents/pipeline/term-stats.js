// @ts-check
// Term statistics of a set of documents, as an index keeps them: how often each term occurs, in how many
// documents, and which terms set each document apart (tf-idf). Terms are counted by stem and shown in
// their most frequent spelling, with the same tokens, stems and stop words the BM25 index uses.

import { STOP_WORDS, stem, tokenize } from '../../corpus/text.js';

/**
 * @typedef {object} TermCount
 * @property {string} term the most frequent spelling of the stem
 * @property {number} count occurrences in all documents
 * @property {number} documents how many documents contain it
 */
/**
 * @typedef {object} TermStats
 * @property {number} documents
 * @property {number} tokens content words counted (stop words, numbers and words under 3 letters left out)
 * @property {number} vocabulary distinct stems
 * @property {number} hapax stems that occur exactly once
 * @property {TermCount[]} top_terms the most frequent, most first (ties alphabetical)
 * @property {Array<{ doc_id: string, title: string, terms: string[] }>} distinctive per document, its
 *   highest tf-idf terms
 */

/** @typedef {{ count: number, documents: number, spellings: Map<string, number> }} Entry */

/**
 * @param {ReadonlyArray<import('../../corpus/index.js').CorpusDoc>} docs
 * @param {{ top: number, distinctive: number }} limits
 * @returns {TermStats}
 */
export function termStatistics(docs, limits) {
  /** @type {Map<string, Entry>} */
  const entries = new Map();
  const perDoc = docs.map((doc) => {
    /** @type {Map<string, number>} */
    const tf = new Map();
    for (const token of doc.paragraphs.flatMap(tokenize)) {
      if (token.length < 3 || STOP_WORDS.has(token) || /^[0-9]+$/.test(token)) continue;
      const key = stem(token);
      const entry = entries.get(key) ?? { count: 0, documents: 0, spellings: new Map() };
      if (!tf.has(key)) entry.documents += 1;
      entry.count += 1;
      entry.spellings.set(token, (entry.spellings.get(token) ?? 0) + 1);
      entries.set(key, entry);
      tf.set(key, (tf.get(key) ?? 0) + 1);
    }
    return { doc, tf };
  });
  const spelling = (/** @type {string} */ key) =>
    mostFrequent(/** @type {Entry} */ (entries.get(key)).spellings);
  const byCount = [...entries].sort(([ka, a], [kb, b]) => b.count - a.count || ka.localeCompare(kb));
  return {
    documents: docs.length,
    tokens: byCount.reduce((n, [, e]) => n + e.count, 0),
    vocabulary: entries.size,
    hapax: byCount.filter(([, e]) => e.count === 1).length,
    top_terms: byCount
      .slice(0, limits.top)
      .map(([key, e]) => ({ term: spelling(key), count: e.count, documents: e.documents })),
    distinctive: perDoc.map(({ doc, tf }) => ({
      doc_id: doc.id,
      title: doc.title,
      terms: [...tf]
        .map(([key, n]) => ({ key, score: n * Math.log(docs.length / (entries.get(key)?.documents ?? 1)) }))
        .filter((t) => t.score > 0) // a term in every document distinguishes none
        .sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
        .slice(0, limits.distinctive)
        .map((t) => spelling(t.key)),
    })),
  };
}

/**
 * @param {Map<string, number>} counts spelling -> occurrences
 */
function mostFrequent(counts) {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
}
