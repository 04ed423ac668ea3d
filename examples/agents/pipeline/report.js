// @ts-check
// Report agent (type writer): the pipeline's markdown report, from what ingest, index and quality
// produced: batches, counts, top terms, what sets each document apart, the checks and the figures found.
//
// Input: the default input of a task after ingest, index and quality: { ingest, index, quality, ... }.
// Output: { report (markdown), documents, words, vocabulary, top_terms: [term, ...] }.

import { isRecord, reject, requireArray, requireRecord, requireText } from '../input.js';
import { readBatches, requireCount } from './batches.js';

const AGENT = 'report';

/**
 * @param {{ input: unknown }} ctx
 */
export default function report(ctx) {
  const input = requireRecord(AGENT, 'input', ctx.input);
  const ingest = requireRecord(AGENT, 'ingest', input.ingest);
  const index = requireRecord(AGENT, 'index', input.index);
  const quality = requireRecord(AGENT, 'quality', input.quality);
  const batches = readBatches(AGENT, 'ingest.batches', ingest.batches);
  const documents = requireCount(AGENT, 'ingest.documents', ingest.documents);
  const words = requireCount(AGENT, 'ingest.words', ingest.words);
  const paragraphs = requireCount(AGENT, 'ingest.paragraphs', ingest.paragraphs);
  const vocabulary = requireCount(AGENT, 'index.vocabulary', index.vocabulary);
  const tokens = requireCount(AGENT, 'index.tokens', index.tokens);
  const topTerms = records('index.top_terms', index.top_terms).map((t, i) => ({
    term: requireText(AGENT, `index.top_terms[${i}].term`, t.term),
    count: requireCount(AGENT, `index.top_terms[${i}].count`, t.count),
    documents: requireCount(AGENT, `index.top_terms[${i}].documents`, t.documents),
  }));
  const distinctive = records('index.distinctive', index.distinctive).map((d, i) => ({
    title: requireText(AGENT, `index.distinctive[${i}].title`, d.title),
    terms: requireArray(AGENT, `index.distinctive[${i}].terms`, d.terms).filter((t) => typeof t === 'string'),
  }));
  const checks = records('quality.checks', quality.checks).map((c, i) => ({
    status: requireText(AGENT, `quality.checks[${i}].status`, c.status),
    detail: requireText(AGENT, `quality.checks[${i}].detail`, c.detail),
  }));
  const numbers = requireRecord(AGENT, 'quality.numbers', quality.numbers);
  const units = records('quality.numbers.by_unit', numbers.by_unit).map((u, i) => ({
    unit: requireText(AGENT, `quality.numbers.by_unit[${i}].unit`, u.unit),
    count: requireCount(AGENT, `quality.numbers.by_unit[${i}].count`, u.count),
    min: requireNumber(`quality.numbers.by_unit[${i}].min`, u.min),
    max: requireNumber(`quality.numbers.by_unit[${i}].max`, u.max),
  }));
  const years = isRecord(numbers.years)
    ? {
        count: requireCount(AGENT, 'quality.numbers.years.count', numbers.years.count),
        from: requireCount(AGENT, 'quality.numbers.years.from', numbers.years.from),
        to: requireCount(AGENT, 'quality.numbers.years.to', numbers.years.to),
      }
    : null;
  const passed = checks.filter((c) => c.status === 'pass').length;

  const lines = [
    '# Corpus pipeline report',
    '',
    `${fmt(documents)} documents read in ${batches.length} batches: ${fmt(paragraphs)} paragraphs, ${fmt(words)} words. ` +
      `The index holds ${fmt(vocabulary)} distinct terms over ${fmt(tokens)} content words; ` +
      `${passed} of ${checks.length} quality checks passed.`,
    '',
    '## Batches',
    '',
    '| batch | documents | paragraphs | words |',
    '| ---: | ---: | ---: | ---: |',
    ...batches.map((b) => `| ${b.batch} | ${b.doc_ids.length} | ${b.paragraphs} | ${fmt(b.words)} |`),
    '',
    '## Top terms',
    '',
    '| term | occurrences | documents |',
    '| --- | ---: | ---: |',
    ...topTerms.map((t) => `| ${t.term} | ${t.count} | ${t.documents} |`),
    '',
    '## What sets each document apart',
    '',
    ...distinctive.map((d) => `- ${d.title}: ${d.terms.join(', ')}`),
    '',
    '## Quality checks',
    '',
    ...checks.map((c) => `- ${c.status}: ${c.detail}`),
    '',
    '## Numbers found',
    '',
    `${fmt(requireCount(AGENT, 'quality.numbers.figures', numbers.figures))} figures with units` +
      (years ? `, and ${years.count} mentions of years from ${years.from} to ${years.to}.` : '.'),
    '',
    '| unit | figures | smallest | largest |',
    '| --- | ---: | ---: | ---: |',
    ...units.map((u) => `| ${u.unit} | ${u.count} | ${fmt(u.min)} | ${fmt(u.max)} |`),
  ];
  return {
    report: lines.join('\n'),
    documents,
    words,
    vocabulary,
    top_terms: topTerms.map((t) => t.term),
  };
}

/**
 * @param {string} path
 * @param {unknown} v
 * @returns {Record<string, unknown>[]}
 */
function records(path, v) {
  return requireArray(AGENT, path, v).map((item, i) =>
    isRecord(item) ? item : reject(AGENT, `${path}[${i}]`, 'an object', item),
  );
}

/**
 * @param {string} path
 * @param {unknown} v
 * @returns {number}
 */
function requireNumber(path, v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : reject(AGENT, path, 'a number', v);
}

/** @param {number} n */
const fmt = (n) => n.toLocaleString('en-US');
