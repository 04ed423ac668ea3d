// @ts-check
// Okapi BM25 ranking over an inverted index of term lists (Robertson & Zaragoza's formulation, with
// the non-negative idf used by Lucene).

/**
 * @typedef {object} Bm25Hit
 * @property {number} index position of the document in the list the index was built from
 * @property {number} score
 * @property {string[]} matched the query terms the document contains, in query order
 */

export class Bm25 {
  /**
   * @param {ReadonlyArray<readonly string[]>} docs one term list per document
   * @param {{ k1?: number, b?: number }} [options] k1: term-frequency saturation; b: length normalisation
   */
  constructor(docs, { k1 = 1.2, b = 0.75 } = {}) {
    this.k1 = k1;
    this.b = b;
    this.lengths = docs.map((d) => d.length);
    this.averageLength = docs.length === 0 ? 0 : this.lengths.reduce((s, n) => s + n, 0) / docs.length;
    /** @type {Map<string, Array<[number, number]>>} term -> [document index, term frequency] */
    this.postings = new Map();
    docs.forEach((doc, index) => {
      /** @type {Map<string, number>} */
      const tf = new Map();
      for (const t of doc) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        const list = this.postings.get(t);
        if (list) list.push([index, n]);
        else this.postings.set(t, [[index, n]]);
      }
    });
  }

  /** @param {string} term */
  idf(term) {
    const n = this.postings.get(term)?.length ?? 0;
    const total = this.lengths.length;
    return Math.log(1 + (total - n + 0.5) / (n + 0.5));
  }

  /**
   * The k best documents for the query terms, best first; ties keep document order. Documents
   * sharing no term with the query are never returned.
   * @param {readonly string[]} query
   * @param {number} k
   * @returns {Bm25Hit[]}
   */
  search(query, k) {
    const unique = [...new Set(query)];
    /** @type {Map<number, Bm25Hit>} */
    const hits = new Map();
    for (const term of unique) {
      const idf = this.idf(term);
      for (const [index, tf] of this.postings.get(term) ?? []) {
        const norm = 1 - this.b + (this.b * (this.lengths[index] ?? 0)) / this.averageLength;
        const gain = (idf * tf * (this.k1 + 1)) / (tf + this.k1 * norm);
        const hit = hits.get(index);
        if (hit) {
          hit.score += gain;
          hit.matched.push(term);
        } else hits.set(index, { index, score: gain, matched: [term] });
      }
    }
    return [...hits.values()].sort((x, y) => y.score - x.score || x.index - y.index).slice(0, k);
  }
}
