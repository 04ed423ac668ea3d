// @ts-check
// Supervisor agent (type supervisor_agent; capabilities task_decomposition, quality_assessment). One
// handler, two jobs, told apart by the input's shape:
//
// decompose  Input: { question } (or the run input whole: { input: { question } }).
//            Output: { question, topic, sub_questions: [{ id, aspect, text, keywords, query }] } with 4-6
//            sub-questions; sub_questions is the first list-valued field, for the research fan-out.
// synthesize Input: { question, decompose, research, analyze }: the outputs of those tasks (research is
//            the joined list of research outputs). Output: { decision: "accept" } or { decision:
//            "revise", revise: [sub-question ids], reason }, plus { report (markdown), coverage:
//            [{ id, text, coverage, best_score, passages }], sources: [{ doc_id, title }] }.
//
// Any missing or malformed field fails the task with a TerminalError that names it.

import { isRecord, requireArray, requireRecord } from './input.js';
import { readQuestion, readResearchList, readSubQuestion } from './research-data.js';
import { decompose } from './supervisor/decompose.js';
import { COVERAGE_THRESHOLD, assessCoverage, verdict } from './supervisor/quality.js';
import { renderReport } from './supervisor/report.js';

/** Fields only a synthesis input carries: the outputs of the upstream tasks. */
const UPSTREAM = ['decompose', 'research', 'analyze'];

/**
 * @param {{ input: unknown }} ctx
 */
export default function supervisor(ctx) {
  const input = requireRecord('supervisor', 'input', ctx.input);
  if (UPSTREAM.some((k) => k in input)) return synthesize(input);
  return decompose(readQuestion('decompose', input));
}

/**
 * @param {Record<string, unknown>} input
 */
function synthesize(input) {
  const agent = 'synthesize';
  const decomposition = requireRecord(agent, 'decompose', input.decompose);
  const subQuestions = requireArray(agent, 'decompose.sub_questions', decomposition.sub_questions).map(
    (v, i) => readSubQuestion(agent, `decompose.sub_questions[${i}]`, v, i),
  );
  const question = readQuestion(agent, 'question' in input ? input : decomposition);
  const research = readResearchList(agent, 'research', input.research);
  const analysis = readAnalysis(agent, input.analyze);
  const coverage = assessCoverage(subQuestions, research);
  const report = renderReport({
    question,
    subQuestions,
    research,
    coverage,
    analysis,
    threshold: COVERAGE_THRESHOLD,
  });
  return { ...verdict(coverage), report: report.markdown, coverage, sources: report.sources };
}

/**
 * @param {string} agent
 * @param {unknown} v
 * @returns {import('./supervisor/report.js').Analysis}
 */
function readAnalysis(agent, v) {
  const a = requireRecord(agent, 'analyze', v);
  const scores = requireRecord(agent, 'analyze.scores', a.scores);
  /** @param {string} k */
  const num = (k) => (typeof scores[k] === 'number' ? scores[k] : 0);
  return {
    insights: requireArray(agent, 'analyze.insights', a.insights).filter((s) => typeof s === 'string'),
    scores: { count: num('count'), min: num('min'), median: num('median'), max: num('max') },
    top_terms: requireArray(agent, 'analyze.top_terms', a.top_terms).flatMap((t) =>
      isRecord(t) && typeof t.term === 'string' && typeof t.count === 'number'
        ? [{ term: t.term, count: t.count }]
        : [],
    ),
  };
}
