// @ts-check
// The agent of the hooks examples: a summary (the first sentence of the text).
// Input: { text: string }. Output: { summary }.

/** @param {{ input: unknown }} ctx */
export default function summarize(ctx) {
  const input = /** @type {{ text?: unknown }} */ (ctx.input ?? {});
  const text = typeof input.text === 'string' ? input.text : '';
  return { summary: text.split(/(?<=\.)\s/)[0] ?? '' };
}
