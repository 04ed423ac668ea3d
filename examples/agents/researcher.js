// @ts-check
// Research agent (type research_agent; capabilities web_search, data_collection): answers ONE
// sub-question from the bundled energy-storage corpus, ranking its passages with BM25.
//
// Input (one fan-out instance): { item: <sub-question>, index }, where the sub-question is decompose's
//   { id, text, aspect, keywords, query } or a plain string.
// Output: { sub_question, query, passages: [{ rank, passage_id, doc_id, title, text, score, matched }],
//   corpus_documents }: the TOP_K best passages, best first (fewer, or none, when few passages share a
//   term with the query).

import { openCorpus } from '../corpus/index.js';
import { requireRecord } from './input.js';
import { readSubQuestion } from './research-data.js';

const AGENT = 'research';
export const TOP_K = 3;

/**
 * @param {{ input: unknown, report: (progress: number, text?: string) => void }} ctx
 * @returns {Promise<import('./research-data.js').Research>}
 */
export default async function research(ctx) {
  const input = requireRecord(AGENT, 'input', ctx.input);
  const index = typeof input.index === 'number' ? input.index : 0;
  const subQuestion = readSubQuestion(AGENT, 'item', input.item, index);
  const query = subQuestion.query ?? subQuestion.text;
  const corpus = await openCorpus();
  const hits = corpus.search(query, TOP_K);
  ctx.report(1, `${hits.length} passages for ${subQuestion.id}`);
  return {
    sub_question: subQuestion,
    query,
    passages: hits.map((h, i) => ({
      rank: i + 1,
      passage_id: h.passage.id,
      doc_id: h.passage.doc_id,
      title: h.passage.title,
      text: h.passage.text,
      score: Math.round(h.score * 1000) / 1000,
      matched: h.matched,
    })),
    corpus_documents: corpus.documents.length,
  };
}
