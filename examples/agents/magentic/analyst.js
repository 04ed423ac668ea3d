// @ts-check
// Analyst (magentic example specialist): ranks the extracted figures by their midpoint, best first,
// and gives the median midpoint.
//
// Input: { instruction, args: { figures: [{ doc_id, title, low, high }] }, ... }.
// Output: { ranking: [{ title, low, high, mid }], median, spread: [lowest, highest] }.

/** @param {{ input: unknown }} ctx */
export default function analyst(ctx) {
  const { args } = /** @type {{ args: { figures: Array<{ title: string, low: number, high: number }> } }} */ (
    ctx.input
  );
  const ranking = args.figures
    .map((f) => ({ title: f.title, low: f.low, high: f.high, mid: (f.low + f.high) / 2 }))
    .sort((a, b) => b.mid - a.mid || a.title.localeCompare(b.title));
  const mids = ranking.map((r) => r.mid).sort((a, b) => a - b);
  const n = mids.length;
  const median =
    n === 0 ? null : n % 2 === 1 ? mids[(n - 1) / 2] : ((mids[n / 2 - 1] ?? 0) + (mids[n / 2] ?? 0)) / 2;
  return { ranking, median, spread: n === 0 ? null : [mids[0], mids[n - 1]] };
}
