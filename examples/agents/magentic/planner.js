// @ts-check
// Planner (the magentic example's planner task): ranks the storage technologies of the bundled corpus
// by the round-trip efficiency their articles quote. It keeps the task ledger (facts, plan) and answers
// a progress ledger every turn from what the last specialist returned (`last`) and the `history`:
// - plan A: the librarian lists the articles whose title names the measure, the extractor pulls their
//   figures, the analyst ranks them. Titles do not name it (one comparison article, no figure in the
//   sentences that name the measure), so the extractor finds too few figures: no progress; asking the
//   librarian again returns the same articles: a loop. Two stalls make the pattern ask for a re-plan;
// - plan B (the re-plan): full-text search for passages, then the extractor and the analyst; too few
//   figures again widens the search (a second re-plan, when allowed, does the same with more passages).
// Satisfied when the analyst has ranked at least `min_sources` technologies: the answer is the ranking.
//
// Input: { input: { min_sources? } } first; then also { round, replan, team, task_ledger,
// progress_ledger, last, history, stalls, replans } (docs/patterns.md#magentic).

const QUERY = 'round-trip efficiency percent';

/**
 * What the specialists answer (each fills its own fields).
 * @typedef {{ docs?: Array<{ id: string, title: string }>,
 *   passages?: Array<{ doc_id: string, title: string, text: string }>,
 *   figures?: Array<{ doc_id: string, title: string, low: number, high: number }>,
 *   ranking?: Array<{ title: string, mid: number }>, median?: number | null }} Output
 * @typedef {{ round: number, agent?: string, instruction?: string, output?: Output, error?: unknown,
 *   replan?: number }} Entry
 * @typedef {{ input: { min_sources?: number }, task_ledger?: { facts: string[], plan: string[] },
 *   replan?: boolean, last?: Entry, history?: Entry[], replans?: number }} PlannerInput
 */

const going = { satisfied: false, progress: true, in_loop: false };
const stuck = { satisfied: false, progress: false, in_loop: false };

/** @param {Entry} e */
const docIds = (e) => (e.output?.docs ?? []).map((d) => d.id).join(',');
/** @param {Entry} e */
const figureCount = (e) => (e.output?.figures ?? []).length;

/** @param {{ input: unknown }} ctx */
export default function planner(ctx) {
  const i = /** @type {PlannerInput} */ (ctx.input);
  const min = i.input.min_sources ?? 5;
  if (i.task_ledger === undefined) {
    return {
      facts: [
        'asked: rank the storage technologies by the round-trip efficiency their articles quote',
        `a ranking needs figures from at least ${min} articles`,
      ],
      plan: [
        'librarian: list the articles whose title names round-trip efficiency',
        'extractor: pull the figure each article quotes',
        'analyst: rank the figures and give the median',
      ],
      ...going,
      reason: 'start with the cheapest source list',
      next: 'librarian',
      instruction: 'list the articles whose title contains "efficiency"',
      args: { keyword: 'efficiency' },
    };
  }
  const history = i.history ?? [];
  const searches = history.filter((h) => h.agent === 'searcher').length;
  if (i.replan) {
    const k = 15 * (searches + 1);
    const extracted = history.filter((h) => h.agent === 'extractor').at(-1);
    return {
      facts: [
        ...i.task_ledger.facts,
        `article titles do not name the measure: the extractor found ${extracted === undefined ? 0 : figureCount(extracted)} figure(s) in them`,
      ],
      plan: [
        `searcher: full-text search for "${QUERY}", ${k} passages`,
        'extractor: pull the figure each article quotes from its passages',
        'analyst: rank the figures and give the median',
      ],
      ...going,
      reason: 're-planned: search the text instead of the titles',
      next: 'searcher',
      instruction: `find the ${k} passages that best match "${QUERY}"`,
      args: { query: QUERY, k },
    };
  }
  const last = /** @type {Entry} */ (i.last);
  const out = last.output ?? {};
  const earlier = history.slice(0, -1);
  switch (last.agent) {
    case 'librarian': {
      const docs = out.docs ?? [];
      if (earlier.some((h) => h.agent === 'librarian' && docIds(h) === docIds(last))) {
        return {
          ...stuck,
          in_loop: true,
          reason: 'the librarian returned the same articles again',
          next: 'librarian',
          instruction: 'list the articles whose title contains "efficiency"',
          args: { keyword: 'efficiency' },
        };
      }
      return {
        ...going,
        reason: `${docs.length} article(s) to read`,
        next: 'extractor',
        instruction: 'pull the round-trip efficiency each article quotes',
        args: { docs },
      };
    }
    case 'searcher': {
      const passages = out.passages ?? [];
      return {
        ...going,
        reason: `${passages.length} passages found`,
        next: 'extractor',
        instruction: 'pull the round-trip efficiency each article quotes from these passages',
        args: { passages },
      };
    }
    case 'extractor': {
      const figures = out.figures ?? [];
      if (figures.length >= min) {
        return {
          ...going,
          reason: `${figures.length} figures, enough to rank`,
          next: 'analyst',
          instruction: 'rank these figures by midpoint and give the median',
          args: { figures },
        };
      }
      // Too few: widen the search if searching, else try the librarian with the other word of the measure.
      const reason = `only ${figures.length} figure(s); ${min} needed`;
      if (searches > 0) {
        const repeated = earlier.some((h) => h.agent === 'extractor' && figureCount(h) === figures.length);
        return {
          ...stuck,
          in_loop: repeated,
          reason,
          next: 'searcher',
          instruction: `find the ${30 * searches} passages that best match "${QUERY}"`,
          args: { query: QUERY, k: 30 * searches },
        };
      }
      return {
        ...stuck,
        reason,
        next: 'librarian',
        instruction: 'list the articles whose title contains "round-trip"',
        args: { keyword: 'round-trip' },
      };
    }
    default: {
      const ranking = out.ranking ?? [];
      const best = ranking[0];
      const worst = ranking.at(-1);
      return {
        satisfied: true,
        progress: true,
        in_loop: false,
        reason: 'the analyst ranked enough technologies',
        answer: {
          summary:
            `${ranking.length} technologies ranked by quoted round-trip efficiency: ` +
            `${best?.title} is highest (${best?.mid} %), ${worst?.title} lowest (${worst?.mid} %), median ${out.median} %.`,
          ranking,
          median: out.median,
        },
      };
    }
  }
}
