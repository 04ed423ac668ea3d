// @ts-check
// The supervisor's quality assessment: how well the retrieved passages cover each sub-question, and
// whether the report can be accepted or which sub-questions need another research round.

import { terms } from '../../corpus/text.js';

/** A sub-question is covered when one passage names at least this share of its topic's terms. */
export const COVERAGE_THRESHOLD = 0.5;

/** @typedef {import('../research-data.js').SubQuestion} SubQuestion */
/** @typedef {import('../research-data.js').Research} Research */

/**
 * @typedef {object} Coverage
 * @property {string} id
 * @property {string} text
 * @property {number} coverage 0..1: the best passage's share of the topic terms
 * @property {number} best_score the best BM25 score among its passages
 * @property {number} passages
 */

/**
 * @typedef {{ decision: 'accept' } | { decision: 'revise', revise: string[], reason: string }} Verdict
 */

/**
 * Scores each sub-question by the passages researched for it (matched by sub-question id). Topic
 * terms come from its keywords, or from its text when it has none.
 * @param {SubQuestion[]} subQuestions
 * @param {Research[]} research
 * @returns {Coverage[]}
 */
export function assessCoverage(subQuestions, research) {
  return subQuestions.map((sq) => {
    const passages = research.filter((r) => r.sub_question.id === sq.id).flatMap((r) => r.passages);
    const topic = [...new Set(terms(sq.keywords.length > 0 ? sq.keywords.join(' ') : sq.text))];
    let coverage = 0;
    for (const p of passages) {
      const present = new Set(terms(`${p.title} ${p.text}`));
      const share = topic.length === 0 ? 0 : topic.filter((t) => present.has(t)).length / topic.length;
      coverage = Math.max(coverage, share);
    }
    return {
      id: sq.id,
      text: sq.text,
      coverage: Math.round(coverage * 1000) / 1000,
      best_score: passages.reduce((m, p) => Math.max(m, p.score), 0),
      passages: passages.length,
    };
  });
}

/**
 * Accept when every sub-question is covered; otherwise ask for the uncovered ones to be revised.
 * @param {Coverage[]} coverage
 * @returns {Verdict}
 */
export function verdict(coverage) {
  const weak = coverage.filter((c) => c.coverage < COVERAGE_THRESHOLD);
  if (weak.length === 0) return { decision: 'accept' };
  const list = weak.map((c) => `${c.id} (coverage ${c.coverage})`).join(', ');
  return {
    decision: 'revise',
    revise: weak.map((c) => c.id),
    reason: `no passage covers at least ${COVERAGE_THRESHOLD * 100}% of the topic terms of ${list}`,
  };
}
