// @ts-check
// Analysis agent (type analysis_agent; capabilities data_processing, insight_generation): statistics and
// insights over everything the research fan-out found.
//
// Input: { research: [<research output>, ...] } (the joined outputs of the research instances).
// Output: { sub_questions: [{ id, text, passages, best_score, documents }], scores: { count, min, max,
//   mean, median }, top_terms: [{ term, count }], numbers: [{ value, unit, text, doc_id }],
//   documents: { cited, total, coverage, shared: [{ doc_id, title, sub_questions }] }, insights: [text] }

import { STOP_WORDS, stem, tokenize } from '../corpus/text.js';
import { requireRecord } from './input.js';
import { extractQuantities } from './quantities.js';
import { readResearchList } from './research-data.js';

const AGENT = 'analyze';
const TOP_TERMS = 10;

/** @typedef {import('./research-data.js').Research} Research */

/**
 * @param {{ input: unknown }} ctx
 */
export default function analyze(ctx) {
  const input = requireRecord(AGENT, 'input', ctx.input);
  const research = readResearchList(AGENT, 'research', input.research);
  // A passage found for two sub-questions is one piece of evidence: count it once.
  const unique = dedupe(
    research.flatMap((r) => r.passages),
    (p) => p.passage_id,
  );
  const perQuestion = research.map((r) => ({
    id: r.sub_question.id,
    text: r.sub_question.text,
    passages: r.passages.length,
    best_score: r.passages.reduce((m, p) => Math.max(m, p.score), 0),
    documents: [...new Set(r.passages.map((p) => p.doc_id))],
  }));
  const documents = documentCoverage(research);
  const numbers = dedupe(
    unique.flatMap((p) => extractQuantities(p.text).map((q) => ({ ...q, doc_id: p.doc_id }))),
    (n) => `${n.value} ${n.unit} ${n.doc_id}`,
  );
  const scores = distribution(research.flatMap((r) => r.passages.map((p) => p.score)));
  return {
    sub_questions: perQuestion,
    scores,
    top_terms: topTerms(unique.map((p) => p.text)),
    numbers,
    documents,
    insights: insights(perQuestion, documents, numbers),
  };
}

/**
 * @param {number[]} values
 */
function distribution(values) {
  if (values.length === 0) return { count: 0, min: 0, max: 0, mean: 0, median: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  const round = (/** @type {number} */ n) => Math.round(n * 1000) / 1000;
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
    median: round(median),
  };
}

/**
 * The most frequent content words, counted by stem and shown in their most frequent spelling.
 * @param {string[]} texts
 */
function topTerms(texts) {
  /** @type {Map<string, { count: number, spellings: Map<string, number> }>} */
  const byStem = new Map();
  for (const token of texts.flatMap(tokenize)) {
    if (token.length < 3 || STOP_WORDS.has(token) || /^[0-9]+$/.test(token)) continue;
    const entry = byStem.get(stem(token)) ?? { count: 0, spellings: new Map() };
    entry.count += 1;
    entry.spellings.set(token, (entry.spellings.get(token) ?? 0) + 1);
    byStem.set(stem(token), entry);
  }
  return [...byStem.values()]
    .map((e) => ({ term: mostFrequent(e.spellings), count: e.count }))
    .sort((a, b) => b.count - a.count || a.term.localeCompare(b.term))
    .slice(0, TOP_TERMS);
}

/**
 * @param {Map<string, number>} counts
 */
function mostFrequent(counts) {
  let best = '';
  let most = -1;
  for (const [k, n] of counts) if (n > most || (n === most && k < best)) [best, most] = [k, n];
  return best;
}

/**
 * @param {Research[]} research
 */
function documentCoverage(research) {
  /** @type {Map<string, { title: string, sub_questions: string[] }>} */
  const docs = new Map();
  for (const r of research) {
    for (const p of r.passages) {
      const d = docs.get(p.doc_id) ?? { title: p.title, sub_questions: [] };
      if (!d.sub_questions.includes(r.sub_question.id)) d.sub_questions.push(r.sub_question.id);
      docs.set(p.doc_id, d);
    }
  }
  const total = research.reduce((m, r) => Math.max(m, r.corpus_documents), 0);
  return {
    cited: docs.size,
    total,
    coverage: total === 0 ? 0 : Math.round((docs.size / total) * 1000) / 1000,
    shared: [...docs]
      .filter(([, d]) => d.sub_questions.length > 1)
      .map(([doc_id, d]) => ({ doc_id, title: d.title, sub_questions: d.sub_questions }))
      .sort((a, b) => b.sub_questions.length - a.sub_questions.length || a.doc_id.localeCompare(b.doc_id)),
  };
}

/**
 * Plain-language findings a reader would want first.
 * @param {Array<{ id: string, text: string, passages: number, best_score: number }>} perQuestion
 * @param {ReturnType<typeof documentCoverage>} documents
 * @param {Array<import('./quantities.js').Quantity & { doc_id: string }>} numbers
 */
function insights(perQuestion, documents, numbers) {
  /** @type {string[]} */
  const out = [];
  const found = perQuestion.filter((q) => q.passages > 0);
  for (const q of perQuestion)
    if (q.passages === 0) out.push(`No passage in the corpus addresses ${q.id} ("${q.text}").`);
  if (found.length > 1) {
    const byScore = [...found].sort((a, b) => b.best_score - a.best_score);
    const [best, worst] = [byScore[0], byScore[byScore.length - 1]];
    if (best && worst) {
      out.push(
        `The strongest evidence answers ${best.id} (best score ${best.best_score}); the weakest answers ${worst.id} (best score ${worst.best_score}).`,
      );
    }
  }
  if (documents.total > 0) {
    out.push(
      `The evidence draws on ${documents.cited} of ${documents.total} documents (${Math.round(documents.coverage * 100)}%).`,
    );
  }
  const shared = documents.shared[0];
  if (shared)
    out.push(
      `"${shared.title}" informs ${shared.sub_questions.length} sub-questions (${shared.sub_questions.join(', ')}).`,
    );
  const units = countBy(numbers.filter((n) => n.unit !== 'year').map((n) => n.unit));
  const [unit, count] = units[0] ?? ['', 0];
  if (count > 1) {
    const values = numbers.filter((n) => n.unit === unit).map((n) => n.value);
    out.push(
      `Passages cite ${count} figures in ${unit}, from ${fmt(Math.min(...values))} to ${fmt(Math.max(...values))}.`,
    );
  }
  const years = numbers.filter((n) => n.unit === 'year').map((n) => n.value);
  if (years.length > 1)
    out.push(`Dates in the evidence span ${Math.min(...years)} to ${Math.max(...years)}.`);
  return out;
}

/**
 * @param {string[]} keys
 * @returns {Array<[string, number]>} most frequent first, ties alphabetical
 */
function countBy(keys) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * @template T
 * @param {T[]} items
 * @param {(item: T) => string} key
 * @returns {T[]} the first item of each key, in order
 */
function dedupe(items, key) {
  const seen = new Set();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** @param {number} n */
const fmt = (n) => n.toLocaleString('en-US');
