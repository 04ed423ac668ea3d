// @ts-check
// Finds the figures a passage states: quantities with units ("129 megawatt-hours", "85 percent") and
// years ("in 1978"), normalised to a number and a short unit symbol.

/**
 * @typedef {object} Quantity
 * @property {number} value
 * @property {string} unit a short symbol: "MW", "MWh", "%", "$/kWh", ..., or "year"
 * @property {string} text as written
 */

/** Unit phrases (longest first, so "megawatt-hours" is not read as "megawatt") and their symbols. */
const UNITS = /** @type {Array<[string, string]>} */ ([
  ['dollars per kilowatt-hour', '$/kWh'],
  ['dollars per megawatt-hour', '$/MWh'],
  ['dollars per tonne', '$/t'],
  ['watt-hours per kilogram', 'Wh/kg'],
  ['watt-hours per litre', 'Wh/L'],
  ['kilowatt-hours per litre', 'kWh/L'],
  ['kilowatts per kilogram', 'kW/kg'],
  ['revolutions per minute', 'rpm'],
  ['degrees Celsius', '°C'],
  ['gigawatt-hours?', 'GWh'],
  ['megawatt-hours?', 'MWh'],
  ['kilowatt-hours?', 'kWh'],
  ['gigawatts?', 'GW'],
  ['megawatts?', 'MW'],
  ['kilowatts?', 'kW'],
  ['percent', '%'],
  ['tonnes', 't'],
  ['metres', 'm'],
  ['kilometres', 'km'],
  ['hours', 'h'],
  ['years', 'years'],
  ['cycles', 'cycles'],
  ['volts', 'V'],
  ['milliseconds', 'ms'],
  ['seconds', 's'],
]);

const NUMBER = String.raw`(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)`;
const QUANTITY = new RegExp(`${NUMBER}[ -](${UNITS.map(([p]) => p).join('|')})\\b`, 'gi');
const YEAR = /\b(1[89]\d\d|20\d\d)\b/g;

/**
 * @param {string} text
 * @returns {Quantity[]} in order of appearance
 */
export function extractQuantities(text) {
  /** @type {Array<Quantity & { at: number }>} */
  const found = [];
  const rest = text.replace(
    QUANTITY,
    (match, /** @type {string} */ num, /** @type {string} */ phrase, /** @type {number} */ at) => {
      found.push({ value: Number(num.replace(/,/g, '')), unit: symbolOf(phrase), text: match, at });
      return ' '.repeat(match.length); // keep offsets, and keep "1,200 megawatts" from also reading as a year
    },
  );
  for (const m of rest.matchAll(YEAR))
    found.push({ value: Number(m[1]), unit: 'year', text: m[0], at: m.index });
  return found.sort((a, b) => a.at - b.at).map(({ value, unit, text }) => ({ value, unit, text }));
}

/**
 * @param {string} phrase a unit phrase QUANTITY matched, so one of UNITS
 */
function symbolOf(phrase) {
  return UNITS.find(([pattern]) => new RegExp(`^${pattern}$`, 'i').test(phrase))?.[1] ?? phrase;
}
