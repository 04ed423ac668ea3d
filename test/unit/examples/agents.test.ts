import { describe, expect, it } from 'vitest';
import {
  importExample,
  outputOf,
  rejection,
  runAgent,
  runPipeline,
  type Analysis,
  type Decomposition,
  type Research,
  type Synthesis,
} from './run-example.js';

const corpusModule = await importExample<{
  openCorpus(): Promise<{ documents: Array<{ id: string; title: string }> }>;
}>('corpus/index.js');
const corpusTitles = new Set((await corpusModule.openCorpus()).documents.map((d) => d.title));

const decompose = async (question: string) =>
  outputOf<Decomposition>(await runAgent('supervisor', { question }, 'decompose'));

describe('supervisor: decompose', () => {
  it('turns a question about X into 4-6 sub-questions that all mention X', async () => {
    const plan = await decompose('How has the cost of lithium-ion batteries changed since 2010?');
    expect(plan.topic).toBe('lithium-ion batteries');
    expect(plan.sub_questions.length).toBeGreaterThanOrEqual(4);
    expect(plan.sub_questions.length).toBeLessThanOrEqual(6);
    for (const sq of plan.sub_questions) expect(sq.text).toContain('lithium-ion batteries');
    expect(new Set(plan.sub_questions.map((s) => s.id)).size).toBe(plan.sub_questions.length);
  });

  it('covers the aspects the question names, in the order it names them, after an overview', async () => {
    const plan = await decompose('What are the safety risks, costs and history of sodium-sulfur batteries?');
    expect(plan.sub_questions.map((s) => s.aspect).slice(0, 4)).toEqual([
      'overview',
      'risks',
      'cost',
      'history',
    ]);
    const wide = await decompose(
      'Compare the safety, cost, efficiency, history, future and largest sites of flow batteries',
    );
    expect(wide.sub_questions).toHaveLength(6);
  });

  it('phrases a comparison as one topic a sub-question can read', async () => {
    const d = await decompose(
      'How do lithium-ion batteries compare with pumped hydro for grid energy storage?',
    );
    expect(d.topic).toBe('lithium-ion batteries and pumped hydro for grid energy storage');
    expect(d.sub_questions[0]!.text).toBe(
      'What are the working principles of lithium-ion batteries and pumped hydro for grid energy storage?',
    );
  });

  it('is deterministic and keeps acronyms as written', async () => {
    const a = await decompose('Why is LFP chemistry used for grid storage?');
    expect(await decompose('Why is LFP chemistry used for grid storage?')).toEqual(a);
    expect(a.topic).toBe('LFP chemistry for grid storage');
  });

  it('accepts the run input passed whole, and refuses a missing question or one with no topic', async () => {
    const nested = outputOf<Decomposition>(
      await runAgent('supervisor', { input: { question: 'What is a flywheel?' } }, 'decompose'),
    );
    expect(nested.topic).toBe('flywheel');
    expect(rejection(await runAgent('supervisor', {}, 'decompose'))).toBe(
      'decompose input is missing the field "question" (expected non-empty text)',
    );
    expect(rejection(await runAgent('supervisor', { question: 'How does it work?' }, 'decompose'))).toMatch(
      /names no topic to research/,
    );
  });
});

describe('researcher', () => {
  it('ranks the passage that states the facts first, citing an existing document', async () => {
    const out = outputOf<Research>(
      await runAgent('researcher', {
        item: 'How big was the Hornsdale Power Reserve battery when Tesla built it?',
        index: 2,
      }),
    );
    expect(out.sub_question).toMatchObject({ id: 'sq3' });
    expect(out.passages[0]).toMatchObject({
      rank: 1,
      doc_id: 'hornsdale-power-reserve',
      passage_id: 'hornsdale-power-reserve#1',
    });
    expect(out.passages[0]!.text).toContain('129 megawatt-hours');
    expect(out.passages.map((p) => p.score)).toEqual(
      [...out.passages.map((p) => p.score)].sort((a, b) => b - a),
    );
    expect(out.corpus_documents).toBe(corpusTitles.size);
  });

  it("searches decompose's query for a planned sub-question", async () => {
    const plan = await decompose('How has the cost of lithium-ion batteries changed?');
    const cost = plan.sub_questions.find((s) => s.aspect === 'cost')!;
    const out = outputOf<Research>(await runAgent('researcher', { item: cost, index: 1 }));
    expect(out.query).toBe(cost.query);
    expect(out.passages[0]?.doc_id).toBe('battery-cost-decline');
  });

  it('refuses input without the sub-question, naming the field', async () => {
    expect(rejection(await runAgent('researcher', { index: 0 }))).toBe(
      'research input is missing the field "item" (expected a sub-question: text, or an object with a "text" field)',
    );
    expect(rejection(await runAgent('researcher', { item: { id: 'sq1' } }))).toBe(
      'research input is missing the field "item.text" (expected non-empty text)',
    );
  });
});

describe('analyzer', () => {
  it('computes per-question counts, the score distribution, top terms, figures and document coverage', async () => {
    const { research, analysis } = await runPipeline('How large is the Hornsdale Power Reserve battery?');
    const total = research.reduce((n, r) => n + r.passages.length, 0);
    expect(analysis.sub_questions.map((q) => q.passages)).toEqual(research.map((r) => r.passages.length));
    expect(analysis.scores.count).toBe(total);
    expect(analysis.scores.min).toBeLessThanOrEqual(analysis.scores.median);
    expect(analysis.scores.median).toBeLessThanOrEqual(analysis.scores.max);
    expect(analysis.top_terms.map((t) => t.term)).toContain('hornsdale');
    expect(analysis.numbers).toContainEqual({
      value: 129,
      unit: 'MWh',
      text: '129 megawatt-hours',
      doc_id: 'hornsdale-power-reserve',
    });
    const textsByDoc = new Map<string, string>();
    for (const p of research.flatMap((r) => r.passages)) {
      textsByDoc.set(p.doc_id, `${textsByDoc.get(p.doc_id) ?? ''} ${p.text}`);
    }
    for (const n of analysis.numbers) expect(textsByDoc.get(n.doc_id)).toContain(n.text); // figures are quoted, not made up
    expect(analysis.documents.total).toBe(corpusTitles.size);
    expect(analysis.documents.cited).toBe(textsByDoc.size);
    expect(analysis.documents.coverage).toBeCloseTo(analysis.documents.cited / analysis.documents.total, 3);
    expect(analysis.insights).toContain(
      `The evidence draws on ${textsByDoc.size} of 30 documents (${Math.round((textsByDoc.size / 30) * 100)}%).`,
    );
  });

  it('counts a passage found by two sub-questions once, and flags a sub-question with no evidence', async () => {
    const passage = {
      doc_id: 'dinorwig',
      title: 'Dinorwig Power Station',
      text: 'It opened in 1984 with 1,728 megawatts.',
      score: 3,
    };
    const research = [
      {
        sub_question: { id: 'sq1', text: 'a?' },
        passages: [{ ...passage, passage_id: 'dinorwig#1' }],
        corpus_documents: 30,
      },
      {
        sub_question: { id: 'sq2', text: 'b?' },
        passages: [{ ...passage, passage_id: 'dinorwig#1' }],
        corpus_documents: 30,
      },
      { sub_question: { id: 'sq3', text: 'c?' }, passages: [], corpus_documents: 30 },
    ];
    const a = outputOf<Analysis>(await runAgent('analyzer', { research }));
    expect(a.numbers).toEqual([
      { value: 1984, unit: 'year', text: '1984', doc_id: 'dinorwig' },
      { value: 1728, unit: 'MW', text: '1,728 megawatts', doc_id: 'dinorwig' },
    ]);
    expect(a.documents.shared).toEqual([
      { doc_id: 'dinorwig', title: 'Dinorwig Power Station', sub_questions: ['sq1', 'sq2'] },
    ]);
    expect(a.insights).toContain('No passage in the corpus addresses sq3 ("c?").');
  });

  it('refuses malformed research output, naming the field', async () => {
    expect(rejection(await runAgent('analyzer', {}))).toMatch(/missing the field "research"/);
    expect(rejection(await runAgent('analyzer', { research: [{ sub_question: 'q' }] }))).toBe(
      'analyze input is missing the field "research[0].passages" (expected a list)',
    );
  });
});

describe('supervisor: synthesize', () => {
  it('accepts a covered question with a report: a section per sub-question citing real documents, stats and sources', async () => {
    const { plan, synthesis } = await runPipeline('How has the cost of lithium-ion batteries changed?');
    expect(synthesis.decision).toBe('accept');
    const { report } = synthesis;
    expect(report.startsWith('# Research report: How has the cost of lithium-ion batteries changed?')).toBe(
      true,
    );
    plan.sub_questions.forEach((sq, i) => expect(report).toContain(`## ${i + 1}. ${sq.text}`));
    const citations = [...report.matchAll(/^- .+ \[(.+)\]$/gm)].map((m) => m[1]);
    expect(citations.length).toBeGreaterThanOrEqual(plan.sub_questions.length);
    for (const title of citations) expect(corpusTitles).toContain(title);
    expect(report).toMatch(/\[The Falling Cost of Lithium-Ion Batteries\]/);
    for (const sq of plan.sub_questions)
      expect(report).toMatch(new RegExp(`^\\| ${sq.id}: .* \\| \\d+ \\| [\\d.]+ \\| [\\d.]+ \\|$`, 'm'));
    expect(report).toContain('## Sources');
    for (const s of synthesis.sources) expect(report).toContain(`- ${s.title} (${s.doc_id}.md)`);
    expect(synthesis.coverage.every((c) => c.coverage >= 0.5)).toBe(true);
  });

  it('asks to revise every sub-question of a question the corpus cannot answer', async () => {
    const { plan, synthesis } = await runPipeline('What are the rules of medieval falconry?');
    expect(synthesis.decision).toBe('revise');
    expect(synthesis.revise).toEqual(plan.sub_questions.map((s) => s.id));
    expect(synthesis.reason).toMatch(/^no passage covers at least 50% of the topic terms of sq1 \(coverage/);
    expect(synthesis.report).toContain('_The corpus does not cover this sub-question');
    expect(synthesis.sources).toEqual([]);
  });

  it('asks to revise only the sub-question whose research is missing', async () => {
    const { plan, research, analysis } = await runPipeline('What is the history of flywheel storage?');
    const partial = research.filter((r) => r.sub_question.id !== 'sq2');
    const out = outputOf<Synthesis>(
      await runAgent('supervisor', { decompose: plan, research: partial, analyze: analysis }, 'synthesize'),
    );
    expect(out).toMatchObject({ decision: 'revise', revise: ['sq2'] });
    expect(out.report).toContain('# Research report: What is the history of flywheel storage?'); // question from decompose
  });

  it('refuses synthesis without the analysis, naming the field', async () => {
    const { plan, research } = await runPipeline('How do vanadium flow batteries work?');
    expect(
      rejection(await runAgent('supervisor', { question: 'q', decompose: plan, research }, 'synthesize')),
    ).toBe('synthesize input is missing the field "analyze" (expected an object)');
  });
});
