// @ts-check
// Text handling shared by the example agents: word tokens, a light plural stemmer, stop words and
// sentence splitting. Deterministic and dependency-free, so every agent ranks and counts the same way.

/** Function words and question words: they say nothing about what a passage is about. */
export const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below
  between both but by can could did do does doing down during each few for from further had has have having
  he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
  once only or other our ours out over own same she should so some such than that the their theirs them
  then there these they this those through to too under until up very was we were what when where which
  while who whom why will with would you your yours per within without whose since across among around via
  like upon toward towards whether`.split(/\s+/),
);

/**
 * Lower-case runs of letters and digits ("lithium-ion" gives "lithium" and "ion").
 * @param {string} text
 */
export function tokenize(text) {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/**
 * A light suffix stemmer: folds plurals ("batteries" -> "battery"), -ed/-ing ("invented",
 * "inventing" -> "invent") and -tion/-sion ("invention" -> "invent"). It only has to map related
 * words to one key consistently, not to produce real words, and it keeps stems of four letters or more.
 * @param {string} word lower-case
 */
export function stem(word) {
  if (word.length <= 3 || /^[0-9]/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  const suffix = /(?:ing|ed|(?<=[st])ion)$/.exec(w);
  if (suffix && w.length - suffix[0].length >= 4) {
    w = w.slice(0, -suffix[0].length);
    if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1); // "spinning" -> "spinn" -> "spin"
  }
  return w;
}

/**
 * The index terms of a text: stemmed tokens without stop words or single characters.
 * @param {string} text
 */
export function terms(text) {
  return tokenize(text)
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t))
    .map(stem);
}

/**
 * Splits prose into sentences at ., ! or ? followed by a capital letter or digit
 * (so decimals such as "0.27" stay whole).
 * @param {string} text
 */
export function sentences(text) {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
