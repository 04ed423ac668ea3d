// @ts-check
// Reading handler input safely. Bad input is a terminal failure (a retry would fail the same way), so
// each check throws a TerminalError naming the missing or malformed field.

/**
 * A failure no retry can fix. Baton recognises it by its `retryable: false` mark rather than its
 * class (see src/agents/handler.ts): these modules run without a build step and import nothing of Baton.
 */
export class TerminalError extends Error {
  /** @override */
  name = 'TerminalError';
  retryable = false;
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
export function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * @param {string} agent who is reading, for the message ("analyze")
 * @param {string} path the field, as the workflow author would write it ("research[2].passages")
 * @param {string} expected
 * @param {unknown} found
 * @returns {never}
 */
export function reject(agent, path, expected, found) {
  const what = found === undefined || found === null ? 'is missing the field' : 'has a malformed field';
  throw new TerminalError(`${agent} input ${what} "${path}" (expected ${expected})`);
}

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {Record<string, unknown>}
 */
export function requireRecord(agent, path, v) {
  return isRecord(v) ? v : reject(agent, path, 'an object', v);
}

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {unknown[]}
 */
export function requireArray(agent, path, v) {
  return Array.isArray(v) ? v : reject(agent, path, 'a list', v);
}

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {string}
 */
export function requireText(agent, path, v) {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : reject(agent, path, 'non-empty text', v);
}
