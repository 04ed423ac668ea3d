// Quoting a value a client sent inside an error message: a short, escaped prefix, so a message (and
// the trailers carrying it) stays small whatever the request held, and control characters cannot
// forge lines in logs or terminals.

/** How many characters of a value an error message repeats by default. */
export const QUOTE_CHARS = 64;

/**
 * `value` as a JSON string literal (quotes, escapes) cut to `max` characters, with how long it was when
 * cut: quote('run_1') is `"run_1"`, quote('x'.repeat(1e5)) is `"xxx…"… (100000 characters)`.
 */
export function quote(value: string, max = QUOTE_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  // Never cut a surrogate pair in half: JSON.stringify would escape the lone half.
  let end = max;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${JSON.stringify(`${value.slice(0, end)}…`)} (${value.length} characters)`;
}
