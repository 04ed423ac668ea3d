// @ts-check
// Extractor (magentic example specialist): pulls the round-trip efficiency each source quotes, from the
// first sentence of the source that names the measure and gives a figure in percent after it ("about
// 42 percent", "70 to 85 percent", "above 95 percent"; an earlier figure in the sentence, such as an
// electrolyser's 60 to 80 percent before hydrogen's round trip, is not it). Sources are whole articles (`docs`, by id) or
// search passages (`passages`); one figure per article.
//
// Input: { instruction, args: { docs?: [{ id }], passages?: [{ doc_id, title, text }] }, ... }.
// Output: { figures: [{ doc_id, title, low, high, sentence }], sources: number }.

import { loadDocuments } from '../../corpus/index.js';
import { sentences } from '../../corpus/text.js';

const MEASURE = /round[- ]trip efficienc(?:y|ies)/i;
const FIGURE = /(\d+(?:\.\d+)?)(?: to (\d+(?:\.\d+)?))? percent/;

/**
 * @typedef {{ doc_id: string, title: string, text: string }} Source
 * @typedef {{ doc_id: string, title: string, low: number, high: number, sentence: string }} Figure
 */

/** @param {{ input: unknown }} ctx */
export default async function extractor(ctx) {
  const { args } = /** @type {{ args: { docs?: Array<{ id: string }>, passages?: Source[] } }} */ (ctx.input);
  /** @type {Source[]} */
  let sources = args.passages ?? [];
  if (args.docs !== undefined) {
    const all = await loadDocuments();
    sources = args.docs.flatMap((ref) => {
      const d = all.find((doc) => doc.id === ref.id);
      if (d === undefined) throw new Error(`extractor: no corpus article "${ref.id}"`);
      return [{ doc_id: d.id, title: d.title, text: d.paragraphs.join(' ') }];
    });
  }
  /** @type {Figure[]} */
  const figures = [];
  for (const s of sources) {
    if (figures.some((f) => f.doc_id === s.doc_id)) continue;
    for (const sentence of sentences(s.text)) {
      const at = sentence.search(MEASURE);
      const m = at < 0 ? null : FIGURE.exec(sentence.slice(at));
      if (m === null) continue;
      const low = Number(m[1]);
      figures.push({
        doc_id: s.doc_id,
        title: s.title,
        low,
        high: m[2] === undefined ? low : Number(m[2]),
        sentence,
      });
      break;
    }
  }
  return { figures, sources: sources.length };
}
