// @ts-check
// Energy units and the "<number> <unit> in|to <unit>" form the router example's classifier and
// converter share.

/** Joules per unit. */
export const JOULES = {
  J: 1,
  kJ: 1e3,
  MJ: 1e6,
  GJ: 1e9,
  Wh: 3600,
  kWh: 3.6e6,
  MWh: 3.6e9,
  GWh: 3.6e12,
  cal: 4.184,
  kcal: 4184,
  BTU: 1055.06,
};

/** @typedef {keyof typeof JOULES} Unit */

const FORM = /^(?:convert\s+)?(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s+(?:in|to|into)\s+([a-zA-Z]+)\s*\??$/;

/**
 * The unit as spelt in JOULES, matched without regard to case ("kwh" -> "kWh"); null if unknown.
 * @param {string} name
 * @returns {Unit | null}
 */
function unit(name) {
  const found = Object.keys(JOULES).find((u) => u.toLowerCase() === name.toLowerCase());
  return found === undefined ? null : /** @type {Unit} */ (found);
}

/**
 * @param {string} text
 * @returns {{ value: number, from: Unit, to: Unit } | null}
 */
export function parseConversion(text) {
  const m = FORM.exec(text.trim());
  if (m === null) return null;
  const from = unit(m[2] ?? '');
  const to = unit(m[3] ?? '');
  if (from === null || to === null) return null;
  return { value: Number(m[1]), from, to };
}

/**
 * The `question` of a task input, as text ("" when there is none).
 * @param {unknown} input
 */
export function questionOf(input) {
  const q = /** @type {{ question?: unknown }} */ (input).question;
  return typeof q === 'string' || typeof q === 'number' ? String(q) : '';
}
