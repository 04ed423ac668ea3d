// @ts-check
// Keyword scoring: how strongly a text speaks of each of a set of categories, from weighted word lists.
// Triage uses it to route a request, billing to tell one kind of claim from another.

import { tokenize } from '../../corpus/text.js';

/**
 * Category -> word -> weight. Words are matched whole and lower-case, without stemming, so that
 * "charged" (a payment) and "charging" (a battery) can belong to different categories.
 * @typedef {Readonly<Record<string, Readonly<Record<string, number>>>>} Categories
 */

/**
 * @typedef {object} CategoryScore
 * @property {string} category
 * @property {number} score the sum of the weights of the category's words found (each counted once)
 * @property {string[]} matched those words, in the order the text uses them
 */

/**
 * A category's word list written by weight: `{ 3: 'refund invoice', 1: 'order' }`.
 * @param {Readonly<Record<number, string>>} byWeight weight -> words separated by spaces
 * @returns {Record<string, number>} word -> weight
 */
export function weighted(byWeight) {
  return Object.fromEntries(
    Object.entries(byWeight).flatMap(([weight, words]) => words.split(/\s+/).map((w) => [w, Number(weight)])),
  );
}

/**
 * @param {string} text
 * @param {Categories} categories
 * @returns {CategoryScore[]} every category, highest score first (ties in declaration order)
 */
export function scoreCategories(text, categories) {
  const words = [...new Set(tokenize(text))];
  return Object.entries(categories)
    .map(([category, weights]) => {
      const matched = words.filter((w) => Object.hasOwn(weights, w));
      return { category, score: matched.reduce((s, w) => s + (weights[w] ?? 0), 0), matched };
    })
    .sort((a, b) => b.score - a.score); // Array.prototype.sort is stable: ties keep declaration order
}
