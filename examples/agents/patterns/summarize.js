// @ts-check
// Writer (reflection example's generator): an extractive summary of a corpus document within a word
// budget. The first draft takes the opening sentences; a revision starts from the sentences that
// cover the most key terms the critic said were missing, keeps what still fits of the last draft,
// and restores the document's order.
//
// Input: { doc, max_words } plus, from round 2, { critique: { missing, ... }, draft, round }.
// Output: { summary, sentences: [index], words }.

import { documentSentences, wordCount } from './summary-terms.js';
import { terms } from '../../corpus/text.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function summarize(ctx) {
  const input =
    /** @type {{ doc: string, max_words: number, critique?: { missing?: string[] }, draft?: { sentences?: number[] } }} */ (
      ctx.input
    );
  const { sentences } = await documentSentences(input.doc);
  const budget = input.max_words;
  /** @type {number[]} */
  const chosen = [];
  let words = 0;
  /** @param {number} i */
  const take = (i) => {
    const n = wordCount(sentences[i] ?? '');
    if (chosen.includes(i) || words + n > budget) return;
    chosen.push(i);
    words += n;
  };
  const missing = new Set(input.critique?.missing ?? []);
  if (missing.size > 0) {
    // Most missing terms per sentence first (earlier sentences win ties), then the last draft.
    const gain = sentences.map((s, i) => ({ i, n: terms(s).filter((t) => missing.has(t)).length }));
    for (const { i, n } of gain.sort((a, b) => b.n - a.n || a.i - b.i)) if (n > 0) take(i);
    for (const i of input.draft?.sentences ?? []) take(i);
  } else {
    for (let i = 0; i < sentences.length; i++) take(i);
  }
  chosen.sort((a, b) => a - b);
  const summary = chosen.map((i) => sentences[i]).join(' ');
  return { summary, sentences: chosen, words };
}
