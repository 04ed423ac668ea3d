// @ts-check
// Renders the supervisor's markdown report: title, summary, one section per sub-question with cited
// passages, a statistics table and the sources. Citations quote the corpus verbatim.

import { sentences, terms } from '../../corpus/text.js';

/** Passages quoted per section. */
const QUOTES_PER_SECTION = 2;

/** @typedef {import('../research-data.js').SubQuestion} SubQuestion */
/** @typedef {import('../research-data.js').Research} Research */
/** @typedef {import('../research-data.js').Finding} Finding */
/** @typedef {import('./quality.js').Coverage} Coverage */

/**
 * @typedef {object} Analysis the parts of the analyzer's output the report shows
 * @property {string[]} insights
 * @property {{ count: number, min: number, median: number, max: number }} scores
 * @property {Array<{ term: string, count: number }>} top_terms
 */

/**
 * @typedef {object} ReportInput
 * @property {string} question
 * @property {SubQuestion[]} subQuestions
 * @property {Research[]} research
 * @property {Coverage[]} coverage one per sub-question, in the same order
 * @property {Analysis} analysis
 * @property {number} threshold the coverage a sub-question needs to count as answered
 */

/**
 * @param {ReportInput} r
 * @returns {{ markdown: string, sources: Array<{ doc_id: string, title: string }> }}
 */
export function renderReport(r) {
  /** @type {Map<string, string>} doc id -> title, in order of first citation */
  const cited = new Map();
  const sections = r.subQuestions.map((sq, i) => {
    const cover = r.coverage[i]?.coverage ?? 0;
    if (cover < r.threshold) {
      const note = `_The corpus does not cover this sub-question (coverage ${cover.toFixed(2)}, below ${r.threshold.toFixed(2)})._`;
      return [`## ${i + 1}. ${sq.text}`, '', note, ''];
    }
    const passages = r.research.filter((x) => x.sub_question.id === sq.id).flatMap((x) => x.passages);
    const quotes = passages.slice(0, QUOTES_PER_SECTION).map((p) => {
      cited.set(p.doc_id, p.title);
      return `- ${bestSentence(p, sq.query ?? sq.text)} [${p.title}]`;
    });
    return [`## ${i + 1}. ${sq.text}`, '', ...quotes, ''];
  });
  const answered = r.coverage.filter((c) => c.coverage >= r.threshold).length;
  const lines = [
    `# Research report: ${r.question}`,
    '',
    '## Summary',
    '',
    `${r.subQuestions.length} sub-questions were researched and ${answered} are covered by the corpus; the report quotes ${cited.size} documents.`,
    '',
    ...r.analysis.insights.map((s) => `- ${s}`),
    '',
    ...sections.flat(),
    '## Statistics',
    '',
    '| Sub-question | Passages | Best score | Coverage |',
    '| --- | ---: | ---: | ---: |',
    ...r.coverage.map(
      (c) => `| ${c.id}: ${c.text} | ${c.passages} | ${c.best_score.toFixed(2)} | ${c.coverage.toFixed(2)} |`,
    ),
    '',
    `Passage scores: ${r.analysis.scores.count} passages, min ${r.analysis.scores.min.toFixed(2)}, median ${r.analysis.scores.median.toFixed(2)}, max ${r.analysis.scores.max.toFixed(2)}.`,
    `Top terms: ${r.analysis.top_terms.map((t) => `${t.term} (${t.count})`).join(', ') || 'none'}.`,
    '',
    '## Sources',
    '',
    ...(cited.size > 0 ? [...cited].map(([id, title]) => `- ${title} (${id}.md)`) : ['_No sources quoted._']),
    '',
  ];
  return { markdown: lines.join('\n'), sources: [...cited].map(([doc_id, title]) => ({ doc_id, title })) };
}

/**
 * The sentence of a passage sharing the most terms with the query (the first one on a tie).
 * @param {Finding} passage
 * @param {string} query
 */
function bestSentence(passage, query) {
  const wanted = new Set(terms(query));
  let best = passage.text;
  let bestHits = -1;
  for (const s of sentences(passage.text)) {
    const hits = new Set(terms(s).filter((t) => wanted.has(t))).size;
    if (hits > bestHits) [best, bestHits] = [s, hits];
  }
  return best;
}
