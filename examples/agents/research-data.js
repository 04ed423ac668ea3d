// @ts-check
// The data the research agents pass along: sub-questions (decompose -> research) and research results
// (research -> analyze, synthesize), with readers that check what arrives and name any bad field.

import { isRecord, reject, requireArray, requireRecord, requireText } from './input.js';

/**
 * @typedef {object} SubQuestion
 * @property {string} id "sq1", "sq2", ...
 * @property {string} text the question itself
 * @property {string} [aspect] overview, cost, history, ...
 * @property {string[]} keywords the topic words of the original question
 * @property {string} [query] what to search for; the text when absent
 */

/**
 * @typedef {object} Finding one retrieved passage
 * @property {number} rank 1 for the best
 * @property {string} passage_id
 * @property {string} doc_id
 * @property {string} title the source document's title, used for citations
 * @property {string} text
 * @property {number} score BM25
 * @property {string[]} matched query terms found in the passage
 */

/**
 * @typedef {object} Research the research agent's output for one sub-question
 * @property {SubQuestion} sub_question
 * @property {string} query
 * @property {Finding[]} passages best first
 * @property {number} corpus_documents how many documents were searched
 */

/**
 * A sub-question as decompose emits it, or as a bare string (then id and keywords are derived).
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @param {number} index its position, for the default id
 * @returns {SubQuestion}
 */
export function readSubQuestion(agent, path, v, index) {
  if (typeof v === 'string') return { id: `sq${index + 1}`, text: requireText(agent, path, v), keywords: [] };
  if (!isRecord(v)) return reject(agent, path, 'a sub-question: text, or an object with a "text" field', v);
  const r = v;
  const keywords = Array.isArray(r.keywords) ? r.keywords.filter((k) => typeof k === 'string') : [];
  return {
    id: typeof r.id === 'string' && r.id !== '' ? r.id : `sq${index + 1}`,
    text: requireText(agent, `${path}.text`, r.text),
    ...(typeof r.aspect === 'string' ? { aspect: r.aspect } : {}),
    keywords,
    ...(typeof r.query === 'string' && r.query.trim() !== '' ? { query: r.query } : {}),
  };
}

/**
 * The joined outputs of the research fan-out.
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {Research[]}
 */
export function readResearchList(agent, path, v) {
  return requireArray(agent, path, v).map((item, i) => {
    const r = requireRecord(agent, `${path}[${i}]`, item);
    const passages = requireArray(agent, `${path}[${i}].passages`, r.passages).map((p, j) => {
      const at = `${path}[${i}].passages[${j}]`;
      const f = requireRecord(agent, at, p);
      return {
        rank: typeof f.rank === 'number' ? f.rank : j + 1,
        passage_id: typeof f.passage_id === 'string' ? f.passage_id : `${String(f.doc_id)}#?`,
        doc_id: requireText(agent, `${at}.doc_id`, f.doc_id),
        title: requireText(agent, `${at}.title`, f.title),
        text: requireText(agent, `${at}.text`, f.text),
        score: typeof f.score === 'number' ? f.score : 0,
        matched: Array.isArray(f.matched) ? f.matched.filter((m) => typeof m === 'string') : [],
      };
    });
    return {
      sub_question: readSubQuestion(agent, `${path}[${i}].sub_question`, r.sub_question, i),
      query: typeof r.query === 'string' ? r.query : '',
      passages,
      corpus_documents: typeof r.corpus_documents === 'number' ? r.corpus_documents : 0,
    };
  });
}

/**
 * The research question: `question`, or `input.question` when the engine passes the run input whole.
 * @param {string} agent
 * @param {Record<string, unknown>} input
 */
export function readQuestion(agent, input) {
  const nested = isRecord(input.input) ? input.input.question : undefined;
  return requireText(agent, 'question', input.question ?? nested);
}
