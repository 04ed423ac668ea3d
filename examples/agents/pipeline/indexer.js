// @ts-check
// Index agent (type indexer): started by ingest's batch_ready event, it reads the documents the event
// names and builds their term statistics. Its `indexed` event releases the quality check.
//
// Input: the default input of a task started `on` an event: { input: { top_terms }, event: { data:
//   { documents, batches: [{ batch, doc_ids, paragraphs, words }] } } }.
// Output: { doc_ids, documents, tokens, vocabulary, hapax, top_terms: [{ term, count, documents }],
//   distinctive: [{ doc_id, title, terms }] }.

import { requireRecord } from '../input.js';
import { readBatches, requirePositive } from './batches.js';
import { readDocuments } from './documents.js';
import { termStatistics } from './term-stats.js';

const AGENT = 'index';
/** Terms shown per document: enough to say what it is about. */
const DISTINCTIVE = 3;

/**
 * @param {{ input: unknown, report: (progress: number, text?: string) => void }} ctx
 */
export default async function index(ctx) {
  const input = requireRecord(AGENT, 'input', ctx.input);
  const top = requirePositive(AGENT, 'input.top_terms', requireRecord(AGENT, 'input', input.input).top_terms);
  const data = requireRecord(AGENT, 'event.data', requireRecord(AGENT, 'event', input.event).data);
  const ids = readBatches(AGENT, 'event.data.batches', data.batches).flatMap((b) => b.doc_ids);
  const docs = await readDocuments(ids);
  const stats = termStatistics(docs, { top, distinctive: DISTINCTIVE });
  ctx.report(1, `${stats.vocabulary} terms in ${stats.documents} documents`);
  return { doc_ids: ids, ...stats };
}
