// @ts-check
// Quality agent (type checker): once the index is ready (it waits for the `indexed` event), checks the
// ingested documents (all indexed, long enough, no repeated paragraphs, each stating figures) and
// collects every figure the corpus states.
//
// Input: the default input of a task released by an event: { input: { min_words }, ingest: <ingest
//   output>, event: { data: { doc_ids } } }.
// Output: { checks: [{ check, status: "pass" | "warn" | "fail", detail }], warnings, failures,
//   numbers: { figures, by_unit: [{ unit, count, min, max }], years: { count, from, to } | null } }.

import { extractQuantities } from '../quantities.js';
import { requireRecord } from '../input.js';
import { readBatches, requirePositive } from './batches.js';
import { readDocIds, readDocuments, wordCount } from './documents.js';

const AGENT = 'quality';

/** @typedef {{ check: string, status: 'pass' | 'warn' | 'fail', detail: string }} Check */
/** @typedef {import('../../corpus/index.js').CorpusDoc} CorpusDoc */

/**
 * @param {{ input: unknown }} ctx
 */
export default async function quality(ctx) {
  const input = requireRecord(AGENT, 'input', ctx.input);
  const minWords = requirePositive(
    AGENT,
    'input.min_words',
    requireRecord(AGENT, 'input', input.input).min_words,
  );
  const ingest = requireRecord(AGENT, 'ingest', input.ingest);
  const ids = readBatches(AGENT, 'ingest.batches', ingest.batches).flatMap((b) => b.doc_ids);
  const data = requireRecord(AGENT, 'event.data', requireRecord(AGENT, 'event', input.event).data);
  const indexed = new Set(readDocIds(AGENT, 'event.data.doc_ids', data.doc_ids));
  const docs = await readDocuments(ids);
  const figures = docs.map((d) => ({ doc: d, quantities: d.paragraphs.flatMap(extractQuantities) }));
  const checks = [
    indexCheck(ids, indexed),
    lengthCheck(docs, minWords),
    duplicateCheck(docs),
    figuresCheck(figures.filter((f) => f.quantities.every((q) => q.unit === 'year')).map((f) => f.doc)),
  ];
  return {
    checks,
    warnings: checks.filter((c) => c.status === 'warn').length,
    failures: checks.filter((c) => c.status === 'fail').length,
    numbers: summarise(figures.flatMap((f) => f.quantities)),
  };
}

/**
 * @param {string[]} ids
 * @param {Set<string>} indexed
 * @returns {Check}
 */
function indexCheck(ids, indexed) {
  const missing = ids.filter((id) => !indexed.has(id));
  return missing.length === 0
    ? { check: 'indexed', status: 'pass', detail: `all ${ids.length} ingested documents are indexed` }
    : { check: 'indexed', status: 'fail', detail: `not indexed: ${missing.join(', ')}` };
}

/**
 * @param {CorpusDoc[]} docs
 * @param {number} minWords
 * @returns {Check}
 */
function lengthCheck(docs, minWords) {
  const short = docs.filter((d) => wordCount(d) < minWords);
  return short.length === 0
    ? { check: 'length', status: 'pass', detail: `every document has at least ${minWords} words` }
    : {
        check: 'length',
        status: 'warn',
        detail: `under ${minWords} words: ${short.map((d) => `${d.id} (${wordCount(d)})`).join(', ')}`,
      };
}

/**
 * A paragraph that appears twice (in one document or two) is copied text, not more evidence.
 * @param {CorpusDoc[]} docs
 * @returns {Check}
 */
function duplicateCheck(docs) {
  /** @type {Map<string, string[]>} normalised paragraph -> where it appears */
  const seen = new Map();
  for (const d of docs)
    d.paragraphs.forEach((p, i) => {
      const key = p
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, ' ')
        .trim();
      seen.set(key, [...(seen.get(key) ?? []), `${d.id}#${i + 1}`]);
    });
  const repeated = [...seen.values()].filter((places) => places.length > 1);
  const total = docs.reduce((n, d) => n + d.paragraphs.length, 0);
  return repeated.length === 0
    ? { check: 'duplicates', status: 'pass', detail: `all ${total} paragraphs are distinct` }
    : {
        check: 'duplicates',
        status: 'warn',
        detail: `repeated paragraphs: ${repeated.map((places) => places.join(' = ')).join('; ')}`,
      };
}

/**
 * @param {CorpusDoc[]} without documents that state no figure other than a year
 * @returns {Check}
 */
function figuresCheck(without) {
  return without.length === 0
    ? { check: 'figures', status: 'pass', detail: 'every document states at least one measured figure' }
    : {
        check: 'figures',
        status: 'warn',
        detail: `no measured figure in: ${without.map((d) => d.id).join(', ')}`,
      };
}

/**
 * @param {import('../quantities.js').Quantity[]} quantities
 */
function summarise(quantities) {
  /** @type {Map<string, number[]>} */
  const byUnit = new Map();
  for (const q of quantities) byUnit.set(q.unit, [...(byUnit.get(q.unit) ?? []), q.value]);
  const years = byUnit.get('year') ?? [];
  byUnit.delete('year');
  return {
    figures: quantities.length - years.length,
    by_unit: [...byUnit]
      .map(([unit, values]) => ({
        unit,
        count: values.length,
        min: Math.min(...values),
        max: Math.max(...values),
      }))
      .sort((a, b) => b.count - a.count || a.unit.localeCompare(b.unit)),
    years:
      years.length === 0 ? null : { count: years.length, from: Math.min(...years), to: Math.max(...years) },
  };
}
