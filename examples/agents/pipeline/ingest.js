// @ts-check
// Ingest agent (type loader): reads the bundled corpus in batches of `batch_size` documents and counts
// what each batch holds. Its batch_ready event (see events_pipeline.yaml) starts the index.
//
// Input: { batch_size } (a whole number above 0).
// Output: { documents, paragraphs, words, batches: [{ batch, doc_ids, paragraphs, words }] }.

import { requireRecord } from '../input.js';
import { requirePositive } from './batches.js';
import { listDocumentIds, readDocuments, wordCount } from './documents.js';

const AGENT = 'ingest';

/**
 * @param {{ input: unknown, signal: AbortSignal, report: (progress: number, text?: string) => void }} ctx
 */
export default async function ingest(ctx) {
  const input = requireRecord(AGENT, 'input', ctx.input);
  const size = requirePositive(AGENT, 'batch_size', input.batch_size);
  const ids = await listDocumentIds();
  /** @type {import('./batches.js').Batch[]} */
  const batches = [];
  for (let start = 0; start < ids.length; start += size) {
    ctx.signal.throwIfAborted(); // a cancelled run stops between batches, not after the whole corpus
    const docs = await readDocuments(ids.slice(start, start + size));
    batches.push({
      batch: batches.length + 1,
      doc_ids: docs.map((d) => d.id),
      paragraphs: docs.reduce((n, d) => n + d.paragraphs.length, 0),
      words: docs.reduce((n, d) => n + wordCount(d), 0),
    });
    ctx.report((start + docs.length) / ids.length, `batch ${batches.length}: ${docs.length} documents`);
  }
  return {
    documents: ids.length,
    paragraphs: batches.reduce((n, b) => n + b.paragraphs, 0),
    words: batches.reduce((n, b) => n + b.words, 0),
    batches,
  };
}
