// @ts-check
// What the reflection example's writer and critic share: a corpus document's sentences and its key
// terms (the most frequent stemmed terms of its body, ties broken alphabetically).

import { loadDocuments } from '../../corpus/index.js';
import { sentences, terms } from '../../corpus/text.js';

/**
 * @param {string} id a corpus document id ("sodium-ion-batteries")
 * @returns {Promise<{ title: string, sentences: string[] }>}
 */
export async function documentSentences(id) {
  const doc = (await loadDocuments()).find((d) => d.id === id);
  if (doc === undefined) throw new Error(`no corpus document "${id}" (examples/corpus/docs/${id}.md)`);
  return { title: doc.title, sentences: doc.paragraphs.flatMap(sentences) };
}

/**
 * The document's `k` key terms.
 * @param {string[]} body its sentences
 * @param {number} k
 */
export function keyTerms(body, k) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const s of body) for (const t of terms(s)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([t]) => t);
}

/** @param {string} text */
export const wordCount = (text) => text.split(/\s+/).filter((w) => w !== '').length;
