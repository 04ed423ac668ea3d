// @ts-check
// The bundled corpus (docs/*.md: short articles on energy storage) and its index builder: each
// paragraph becomes a passage, indexed for BM25 under its own terms plus its document's title.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Bm25 } from './bm25.js';
import { terms } from './text.js';

/**
 * @typedef {object} CorpusDoc
 * @property {string} id the file name without ".md"
 * @property {string} title the first "# " heading
 * @property {string[]} paragraphs
 */
/**
 * @typedef {object} Passage
 * @property {string} id `${doc_id}#${n}`, n counting paragraphs from 1
 * @property {string} doc_id
 * @property {string} title
 * @property {string} text
 */
/**
 * @typedef {object} ScoredPassage
 * @property {Passage} passage
 * @property {number} score BM25
 * @property {string[]} matched the query terms found in the passage or its title
 */
/**
 * @typedef {object} Corpus
 * @property {CorpusDoc[]} documents in id order
 * @property {Passage[]} passages
 * @property {(query: string, k: number) => ScoredPassage[]} search the k best passages, best first
 */

export const DOCS_DIR = join(import.meta.dirname, 'docs');

/**
 * Parses one markdown document: a "# Title" line, then paragraphs separated by blank lines.
 * @param {string} id
 * @param {string} markdown
 * @returns {CorpusDoc}
 */
export function parseDocument(id, markdown) {
  const [head = '', ...blocks] = markdown.trim().split(/\n\s*\n/);
  const title = /^# (.+)$/.exec(head.trim())?.[1]?.trim();
  if (!title) throw new Error(`corpus document ${id}.md must start with a "# Title" line`);
  const paragraphs = blocks.map((b) => b.replace(/\s+/g, ' ').trim()).filter((p) => p !== '');
  return { id, title, paragraphs };
}

/**
 * @param {string} [dir]
 * @returns {Promise<CorpusDoc[]>}
 */
export async function loadDocuments(dir = DOCS_DIR) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md')).sort();
  return Promise.all(
    files.map(async (f) => parseDocument(f.slice(0, -3), await readFile(join(dir, f), 'utf8'))),
  );
}

/**
 * @param {CorpusDoc[]} documents
 * @returns {Corpus}
 */
export function buildCorpus(documents) {
  /** @type {Passage[]} */
  const passages = documents.flatMap((d) =>
    d.paragraphs.map((text, i) => ({ id: `${d.id}#${i + 1}`, doc_id: d.id, title: d.title, text })),
  );
  const index = new Bm25(passages.map((p) => terms(`${p.title} ${p.text}`)));
  return {
    documents,
    passages,
    search: (query, k) =>
      index.search(terms(query), k).map((hit) => ({
        passage: /** @type {Passage} */ (passages[hit.index]),
        score: hit.score,
        matched: hit.matched,
      })),
  };
}

/** @type {Promise<Corpus> | undefined} */
let bundled;

/**
 * The bundled corpus, loaded and indexed once per process (about 90 passages: milliseconds).
 * @returns {Promise<Corpus>}
 */
export function openCorpus() {
  bundled ??= loadDocuments()
    .then(buildCorpus)
    .catch((e) => {
      bundled = undefined; // let the next call try again rather than cache the failure
      throw e;
    });
  return bundled;
}
