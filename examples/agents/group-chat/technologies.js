// @ts-check
// The storage technologies the group chat weighs (figures rounded from the bundled corpus,
// examples/corpus/docs): how long each discharges at rated power, installed cost per kWh of capacity,
// and round-trip efficiency.

/**
 * @typedef {object} Technology
 * @property {string} id
 * @property {string} name
 * @property {[number, number]} hours discharge durations it is built for, min..max
 * @property {number} cost_per_kwh installed cost, EUR per kWh of storage
 * @property {number} efficiency round-trip, 0..1
 */

/** @type {Technology[]} */
export const TECHNOLOGIES = [
  { id: 'lfp', name: 'lithium-ion (LFP)', hours: [1, 4], cost_per_kwh: 350, efficiency: 0.9 },
  { id: 'sodium-ion', name: 'sodium-ion', hours: [1, 4], cost_per_kwh: 300, efficiency: 0.88 },
  { id: 'vanadium-flow', name: 'vanadium flow battery', hours: [4, 12], cost_per_kwh: 400, efficiency: 0.7 },
  { id: 'liquid-air', name: 'liquid air storage', hours: [4, 12], cost_per_kwh: 250, efficiency: 0.55 },
  { id: 'pumped-hydro', name: 'pumped hydro', hours: [6, 24], cost_per_kwh: 150, efficiency: 0.78 },
  { id: 'caes', name: 'compressed air (CAES)', hours: [6, 24], cost_per_kwh: 120, efficiency: 0.55 },
  { id: 'molten-salt', name: 'molten salt thermal', hours: [6, 15], cost_per_kwh: 60, efficiency: 0.4 },
  { id: 'iron-air', name: 'iron-air battery', hours: [24, 150], cost_per_kwh: 25, efficiency: 0.45 },
  {
    id: 'hydrogen',
    name: 'hydrogen (power-to-gas-to-power)',
    hours: [24, 1000],
    cost_per_kwh: 15,
    efficiency: 0.35,
  },
];

/**
 * @typedef {object} Brief
 * @property {number} duration_hours how long the store must discharge
 * @property {number} budget_per_kwh most the project may pay per kWh
 * @property {number} min_efficiency least acceptable round-trip efficiency
 * @property {number} capacity_mwh storage capacity the project needs
 */

/**
 * The project brief from a participant's input (the run input arrives as `input`).
 * @param {unknown} input
 * @returns {Brief}
 */
export function briefOf(input) {
  const i = /** @type {{ input?: Partial<Brief> }} */ (input).input ?? {};
  const num = (/** @type {unknown} */ v, /** @type {string} */ name) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new Error(`input.${name} must be a positive number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  return {
    duration_hours: num(i.duration_hours, 'duration_hours'),
    budget_per_kwh: num(i.budget_per_kwh, 'budget_per_kwh'),
    min_efficiency: num(i.min_efficiency, 'min_efficiency'),
    capacity_mwh: num(i.capacity_mwh, 'capacity_mwh'),
  };
}

/**
 * @typedef {object} Turn one turn of the transcript the group_chat pattern carries
 * @property {number} turn
 * @property {string} speaker
 * @property {{ message: string, proposal?: string, verdict?: 'approve' | 'object', done?: boolean }} output
 */

/**
 * @param {unknown} input
 * @returns {Turn[]}
 */
export const transcriptOf = (input) => /** @type {{ transcript?: Turn[] }} */ (input).transcript ?? [];
