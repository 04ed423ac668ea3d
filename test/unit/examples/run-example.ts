// Test helpers: run an example agent the way the engine will (a module adapter over examples/), and
// import the examples' plain-JS modules with the types these tests rely on.

import { TaskState } from '@a2a-js/sdk';
import { fileURLToPath } from 'node:url';
import type { AgentOutcome } from '../../../src/agents/adapter.js';
import { moduleAdapter } from '../../../src/agents/in-process.js';
import { invocation } from '../agents/invocation.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

export type AgentName = 'supervisor' | 'researcher' | 'analyzer';

const adapters = new Map<AgentName, ReturnType<typeof moduleAdapter>>();

export function runAgent(name: AgentName, input: unknown, taskId: string = name): Promise<AgentOutcome> {
  let adapter = adapters.get(name);
  if (!adapter) adapters.set(name, (adapter = moduleAdapter({ module: `agents/${name}.js` }, EXAMPLES_DIR)));
  return adapter.invoke(invocation(input, { taskId }), new AbortController().signal);
}

/** The output of a completed outcome (fails the test with the agent's error otherwise). */
export function outputOf<T>(o: AgentOutcome): T {
  if (o.state !== TaskState.TASK_STATE_COMPLETED)
    throw new Error(`agent did not complete: ${JSON.stringify(o)}`);
  return o.output as T;
}

/** The error message of a rejected outcome. */
export function rejection(o: AgentOutcome): string {
  if (o.state !== TaskState.TASK_STATE_REJECTED)
    throw new Error(`expected a rejection: ${JSON.stringify(o)}`);
  return o.error.message;
}

/** Imports an examples/ module; the root tsconfig does not type-check plain JS, so the caller names the shape. */
export async function importExample<T>(path: string): Promise<T> {
  return (await import(new URL(path, `file://${EXAMPLES_DIR}`).href)) as T;
}

export interface SubQuestion {
  id: string;
  aspect: string;
  text: string;
  keywords: string[];
  query: string;
}
export interface Decomposition {
  question: string;
  topic: string;
  sub_questions: SubQuestion[];
}
export interface Finding {
  rank: number;
  passage_id: string;
  doc_id: string;
  title: string;
  text: string;
  score: number;
  matched: string[];
}
export interface Research {
  sub_question: SubQuestion;
  query: string;
  passages: Finding[];
  corpus_documents: number;
}
export interface Analysis {
  sub_questions: Array<{
    id: string;
    text: string;
    passages: number;
    best_score: number;
    documents: string[];
  }>;
  scores: { count: number; min: number; max: number; mean: number; median: number };
  top_terms: Array<{ term: string; count: number }>;
  numbers: Array<{ value: number; unit: string; text: string; doc_id: string }>;
  documents: {
    cited: number;
    total: number;
    coverage: number;
    shared: Array<{ doc_id: string; sub_questions: string[] }>;
  };
  insights: string[];
}
export interface Synthesis {
  decision: 'accept' | 'revise';
  revise?: string[];
  reason?: string;
  report: string;
  coverage: Array<{ id: string; text: string; coverage: number; best_score: number; passages: number }>;
  sources: Array<{ doc_id: string; title: string }>;
}

/** The research_and_analysis workflow, task by task, with the inputs its handlers document. */
export async function runPipeline(question: string) {
  const plan = outputOf<Decomposition>(await runAgent('supervisor', { question }, 'decompose'));
  const research = await Promise.all(
    plan.sub_questions.map(async (item, index) =>
      outputOf<Research>(await runAgent('researcher', { item, index })),
    ),
  );
  const analysis = outputOf<Analysis>(await runAgent('analyzer', { research }));
  const synthesis = outputOf<Synthesis>(
    await runAgent('supervisor', { question, decompose: plan, research, analyze: analysis }, 'synthesize'),
  );
  return { plan, research, analysis, synthesis };
}
