// @ts-check
// The community-battery assessment the hierarchical example runs: the project parameters (the run
// input) and the sums the workers do with them.

/**
 * @typedef {object} Project
 * @property {number} peak_kw power the battery must deliver
 * @property {number} hours how long it must deliver it (the director's plan starts here)
 * @property {number} site_limit_kwh most capacity the site can hold
 * @property {number} depth_of_discharge usable share of the capacity
 * @property {number} efficiency round trip
 * @property {number} cost_per_kwh EUR per kWh of capacity
 * @property {number} cost_per_kw EUR per kW of inverter
 * @property {number} spread_eur_per_kwh price difference earned per kWh shifted
 * @property {number} cycles_per_year
 * @property {number} fade_per_cycle capacity lost per full cycle, a fraction
 */

/**
 * The project from a supervisor's input (the run input arrives as `input`).
 * @param {unknown} input
 * @returns {Project}
 */
export function projectOf(input) {
  const p = /** @type {{ input?: Record<string, unknown> }} */ (input).input ?? {};
  /** @param {string} k */
  const num = (k) => {
    const v = p[k];
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`input.${k} must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  return /** @type {Project} */ (
    Object.fromEntries(
      [
        'peak_kw',
        'hours',
        'site_limit_kwh',
        'depth_of_discharge',
        'efficiency',
        'cost_per_kwh',
        'cost_per_kw',
        'spread_eur_per_kwh',
        'cycles_per_year',
        'fade_per_cycle',
      ].map((k) => [k, num(k)]),
    )
  );
}

/** Capacity that delivers `peak_kw` for `hours` within the usable depth of discharge. */
export const capacityKwh = (
  /** @type {{ peak_kw: number, hours: number, depth_of_discharge: number }} */ a,
) => Math.round((a.peak_kw * a.hours) / a.depth_of_discharge);

/**
 * A worker's assignment, checked: its input is exactly what its supervisor assigned.
 * @template {string} K
 * @param {unknown} input
 * @param {K[]} keys
 * @returns {Record<K, number>}
 */
export function assignment(input, keys) {
  const a = /** @type {Record<string, unknown>} */ (input);
  for (const k of keys) {
    if (typeof a[k] !== 'number')
      throw new Error(`assignment.${k} must be a number, got ${JSON.stringify(a[k])}`);
  }
  return /** @type {Record<K, number>} */ (a);
}

/**
 * @typedef {{ agent: string, output: Record<string, number> }} WorkerResult
 * @param {unknown} input a lead's input after its workers ran
 * @returns {Record<string, Record<string, number>> | undefined} each worker's output by agent
 */
export function resultsOf(input) {
  const r = /** @type {{ results?: WorkerResult[] }} */ (input).results;
  return r && Object.fromEntries(r.map((x) => [x.agent, x.output]));
}

/**
 * One number a worker reported, or an error naming what is missing.
 * @param {Record<string, Record<string, number>>} results
 * @param {string} agent
 * @param {string} field
 * @returns {number}
 */
export function reported(results, agent, field) {
  const v = results[agent]?.[field];
  if (typeof v !== 'number') throw new Error(`the results lack ${agent}'s ${field}`);
  return v;
}
