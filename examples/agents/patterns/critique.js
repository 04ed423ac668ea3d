// @ts-check
// Critic (reflection example): scores a summary by the share of the document's key terms it covers,
// and names the ones it misses so the writer can revise.
//
// Input: { doc, key_terms, max_words, summarize: <the draft> }.
// Output: { score, covered, missing, words, within_budget }.

import { terms } from '../../corpus/text.js';
import { documentSentences, keyTerms } from './summary-terms.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function critique(ctx) {
  const input =
    /** @type {{ doc: string, key_terms: number, max_words: number, summarize: { summary: string, words: number } }} */ (
      ctx.input
    );
  const { sentences } = await documentSentences(input.doc);
  const key = keyTerms(sentences, input.key_terms);
  const found = new Set(terms(input.summarize.summary));
  const covered = key.filter((t) => found.has(t));
  const within = input.summarize.words <= input.max_words;
  const score = within ? Math.round((covered.length / key.length) * 1000) / 1000 : 0;
  return {
    score,
    covered,
    missing: key.filter((t) => !found.has(t)),
    words: input.summarize.words,
    within_budget: within,
  };
}
