// @ts-check
// What the battery debate argues about: how many years a home battery takes to pay for itself, from a
// debater's assumptions, and how a debater revises its assumptions after hearing the others.

/**
 * @typedef {object} Assumptions
 * @property {number} cycles_per_year full charge/discharge cycles a year
 * @property {number} value_per_kwh EUR saved per kWh shifted from the grid
 * @property {number} degradation share of capacity lost each year
 */

/**
 * @typedef {object} Argument a debater's output
 * @property {string} side
 * @property {Assumptions} assumptions
 * @property {number | null} payback_years null: not within HORIZON_YEARS
 * @property {string} claim
 */

/**
 * @typedef {object} Case the battery under debate (the run input)
 * @property {number} battery_kwh
 * @property {number} system_cost_eur
 * @property {number} warranty_years
 * @property {number} tolerance_years
 */

/** Paybacks beyond this many years count as never. */
export const HORIZON_YEARS = 30;

/**
 * Years until the savings, shrinking with the capacity each year, add up to the system's cost.
 * @param {Case} c
 * @param {Assumptions} a
 * @returns {number | null}
 */
export function paybackYears(c, a) {
  let saved = 0;
  for (let year = 1; year <= HORIZON_YEARS; year++) {
    const thisYear = c.battery_kwh * a.cycles_per_year * a.value_per_kwh * (1 - a.degradation) ** (year - 1);
    if (saved + thisYear >= c.system_cost_eur) {
      return Math.round((year - 1 + (c.system_cost_eur - saved) / thisYear) * 10) / 10;
    }
    saved += thisYear;
  }
  return null;
}

/**
 * The case from a task's input (the run input arrives as `input`).
 * @param {unknown} input
 * @returns {Case}
 */
export function caseOf(input) {
  const i = /** @type {{ input?: Partial<Case> }} */ (input).input ?? {};
  /** @param {keyof Case} k */
  const num = (k) => {
    const v = i[k];
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`input.${k} must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  return {
    battery_kwh: num('battery_kwh'),
    system_cost_eur: num('system_cost_eur'),
    warranty_years: num('warranty_years'),
    tolerance_years: num('tolerance_years'),
  };
}

/**
 * @typedef {object} DebateInput what the debate pattern adds from round 2 on
 * @property {number} round
 * @property {boolean} final
 * @property {Array<{ debater: string, argument: Argument | null }>} last the previous round's arguments
 * @property {Array<{ round: number, debater: string, argument: Argument | null }>} transcript
 */

/** @param {unknown} input @returns {DebateInput | undefined} */
export const debateOf = (input) => /** @type {{ debate?: DebateInput }} */ (input).debate;

/**
 * A debater's argument for the round: its opening assumptions in round 1; later, its last assumptions
 * moved `concession` of the way toward the mean of the others' last ones.
 * @param {{ input: unknown, taskId: string }} ctx
 * @param {string} side
 * @param {Assumptions} opening
 * @param {number} concession 0..1
 * @returns {Argument}
 */
export function argue(ctx, side, opening, concession) {
  const c = caseOf(ctx.input);
  const debate = debateOf(ctx.input);
  const mine = debate?.last.find((a) => a.debater === ctx.taskId)?.argument?.assumptions ?? opening;
  const others = (debate?.last ?? []).flatMap((a) =>
    a.debater !== ctx.taskId && a.argument ? [a.argument.assumptions] : [],
  );
  /** @type {Assumptions} */
  const next = { ...mine };
  const moved = [];
  for (const k of /** @type {(keyof Assumptions)[]} */ (Object.keys(mine))) {
    if (others.length === 0) break;
    const theirs = others.reduce((sum, o) => sum + o[k], 0) / others.length;
    next[k] = Math.round((mine[k] + (theirs - mine[k]) * concession) * 1000) / 1000;
    if (next[k] !== mine[k]) moved.push(`${k} ${mine[k]} -> ${next[k]}`);
  }
  const years = paybackYears(c, next);
  const verdict =
    years === null
      ? `never pays back within ${HORIZON_YEARS} years`
      : `pays back in ${years} years, ${years <= c.warranty_years ? 'inside' : 'outside'} the ${c.warranty_years}-year warranty`;
  return {
    side,
    assumptions: next,
    payback_years: years,
    claim:
      moved.length === 0
        ? `The battery ${verdict}.`
        : `Conceding ${moved.join(', ')}: the battery ${verdict}.`,
  };
}
