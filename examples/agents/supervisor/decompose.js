// @ts-check
// The supervisor's decomposition: a research question becomes 4 to 6 sub-questions, one per aspect
// (overview, cost, history, ...), from its topic words and the aspects it asks about. Deterministic.

import { STOP_WORDS, stem, tokenize } from '../../corpus/text.js';
import { TerminalError } from '../input.js';

/**
 * @typedef {object} Aspect
 * @property {string} id
 * @property {string[]} cues words that show the question asks about this aspect
 * @property {(topic: string) => string} ask the sub-question for a topic
 * @property {string} vocabulary words passages on this aspect tend to use, added to the search query
 */

/** @type {Aspect} every decomposition starts here */
const OVERVIEW = {
  id: 'overview',
  cues: ['work', 'explain', 'overview', 'principle', 'mechanism'],
  ask: (t) => `What are the working principles of ${t}?`,
  vocabulary: 'how it works stores energy',
};

/** @type {Aspect[]} in the order used to pad a question that names few aspects */
const ASPECTS = [
  OVERVIEW,
  {
    id: 'performance',
    cues: [
      'efficiency',
      'efficient',
      'performance',
      'density',
      'lifetime',
      'lifespan',
      'cycle',
      'duration',
      'last',
    ],
    ask: (t) => `What are the efficiency and lifetime of ${t}?`,
    vocabulary: 'efficiency round-trip percent cycles life',
  },
  {
    id: 'scale',
    cues: [
      'largest',
      'biggest',
      'scale',
      'project',
      'plant',
      'site',
      'deploy',
      'deployment',
      'install',
      'capacity',
      'example',
      'where',
    ],
    ask: (t) => `What are the largest projects using ${t}, and how big are they?`,
    vocabulary: 'largest project megawatts capacity plant',
  },
  {
    id: 'cost',
    cues: ['cost', 'price', 'cheap', 'cheaper', 'expensive', 'economics', 'economic', 'afford', 'dollar'],
    ask: (t) => `What are the costs of ${t}, and how have they changed?`,
    vocabulary: 'cost price dollars per kilowatt-hour fell',
  },
  {
    id: 'history',
    cues: [
      'history',
      'historical',
      'invent',
      'invention',
      'origin',
      'first',
      'pioneer',
      'develop',
      'began',
      'evolve',
    ],
    ask: (t) => `What is the history of ${t}, and who pioneered it?`,
    vocabulary: 'invented first history pioneered developed',
  },
  {
    id: 'risks',
    cues: [
      'risk',
      'safe',
      'safety',
      'fire',
      'hazard',
      'problem',
      'challenge',
      'drawback',
      'limit',
      'limitation',
      'disadvantage',
    ],
    ask: (t) => `What are the risks and limitations of ${t}?`,
    vocabulary: 'risk safety fire drawback limits challenge',
  },
  {
    id: 'comparison',
    cues: ['compare', 'comparison', 'versus', 'vs', 'alternative', 'better', 'differ', 'difference'],
    ask: (t) => `What distinguishes ${t} from other storage technologies?`,
    vocabulary: 'compared than lower higher other',
  },
  {
    id: 'outlook',
    cues: ['future', 'outlook', 'next', 'trend', 'emerging', 'prospect'],
    ask: (t) => `What is the outlook for ${t}?`,
    vocabulary: 'future planned expected new growth',
  },
];

const CUE_STEMS = new Map(ASPECTS.map((a) => [a.id, new Set(a.cues.map(stem))]));
const ALL_CUES = new Set(ASPECTS.flatMap((a) => a.cues.map(stem)));

/** Words that frame a question without naming its topic. */
const FILLER = new Set(
  'tell explain describe know change changed changing role use used using many much well key main important today current currently kind kinds type types way ways'.split(
    ' ',
  ),
);

const MIN_SUB_QUESTIONS = 4;
const MAX_SUB_QUESTIONS = 6;

/**
 * @typedef {import('../research-data.js').SubQuestion & { aspect: string, query: string }} PlannedSubQuestion
 */

/**
 * @param {string} question
 * @returns {{ question: string, topic: string, sub_questions: PlannedSubQuestion[] }}
 *   sub_questions is the output's first list-valued field, so a fan-out over this output iterates it.
 */
export function decompose(question) {
  const keywords = topicWords(question);
  if (keywords.length === 0)
    throw new TerminalError(`decompose: the question names no topic to research: "${question}"`);
  const topic = topicPhrase(question, keywords);
  return {
    question,
    topic,
    sub_questions: chooseAspects(question).map((a, i) => ({
      id: `sq${i + 1}`,
      aspect: a.id,
      text: a.ask(topic),
      keywords,
      query: `${topic} ${a.vocabulary}`,
    })),
  };
}

/**
 * The question's content words, in order, without stop words, aspect cues, filler or bare numbers.
 * Acronyms keep their case ("LFP"); other words are lower-cased.
 * @param {string} question
 */
export function topicWords(question) {
  /** @type {string[]} */
  const words = [];
  for (const word of question.match(/[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*/g) ?? []) {
    const lower = word.toLowerCase();
    const tokens = tokenize(lower).filter((t) => !STOP_WORDS.has(t));
    // Also true for a word made only of stop words ("what's"): none of those name the topic.
    const framing = tokens.every((t) => ALL_CUES.has(stem(t)) || FILLER.has(t) || /^[0-9]+$/.test(t));
    if (framing) continue;
    const shown = /^[A-Z0-9-]{2,}$/.test(word) && /[A-Z]/.test(word) ? word : lower;
    if (!words.includes(shown)) words.push(shown);
  }
  return words;
}

/** Words between two topic words that join them, and how the topic phrase says it. */
const JOINERS = new Map([
  ['with', 'and'],
  ['and', 'and'],
  ['versus', 'and'],
  ['vs', 'and'],
  ['or', 'or'],
  ['to', 'and'],
  ['than', 'and'],
  ['for', 'for'],
  ['in', 'in'],
]);

/**
 * The topic words as a phrase a sub-question can use: "lithium-ion batteries and pumped hydro for grid
 * energy storage" rather than the bare word list, keeping the joining words that stood between them.
 * @param {string} question
 * @param {string[]} keywords
 */
export function topicPhrase(question, keywords) {
  const wanted = new Set(keywords.map((k) => k.toLowerCase()));
  /** @type {string[]} */
  const parts = [];
  /** @type {string | undefined} */
  let joiner;
  const seen = new Set();
  for (const word of question.match(/[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*/g) ?? []) {
    const lower = word.toLowerCase();
    if (wanted.has(lower) && !seen.has(lower)) {
      seen.add(lower);
      if (parts.length > 0 && joiner) parts.push(joiner);
      parts.push(keywords.find((k) => k.toLowerCase() === lower) ?? lower);
      joiner = undefined;
    } else if (parts.length > 0 && JOINERS.has(lower)) {
      joiner ??= JOINERS.get(lower);
    }
  }
  return parts.join(' ');
}

/**
 * Overview first, then the aspects the question names (in the order it names them), padded with
 * the default order up to MIN_SUB_QUESTIONS and cut at MAX_SUB_QUESTIONS.
 * @param {string} question
 * @returns {Aspect[]}
 */
function chooseAspects(question) {
  const stems = tokenize(question).map(stem);
  const named = ASPECTS.map((a) => ({ a, at: stems.findIndex((s) => CUE_STEMS.get(a.id)?.has(s)) }))
    .filter((x) => x.at >= 0)
    .sort((x, y) => x.at - y.at)
    .map((x) => x.a);
  const chosen = [...new Set([OVERVIEW, ...named])].slice(0, MAX_SUB_QUESTIONS);
  for (const a of ASPECTS) {
    if (chosen.length >= MIN_SUB_QUESTIONS) break;
    if (!chosen.includes(a)) chosen.push(a);
  }
  return chosen;
}
