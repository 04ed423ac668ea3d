// @ts-check
// The pipeline's access to the bundled corpus, by document id: the corpus folder plays the shared store
// that events point into (an event carries ids and counts, and each agent reads what it needs).

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCS_DIR, parseDocument } from '../../corpus/index.js';
import { reject, requireArray } from '../input.js';

/** A document id is a file name without ".md": nothing that could leave the corpus folder. */
const DOC_ID = /^[a-z0-9][a-z0-9-]*$/;

/** @typedef {import('../../corpus/index.js').CorpusDoc} CorpusDoc */

/**
 * @param {string} [dir]
 * @returns {Promise<string[]>} every document id, sorted
 */
export async function listDocumentIds(dir = DOCS_DIR) {
  return (await readdir(dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/**
 * @param {readonly string[]} ids
 * @param {string} [dir]
 * @returns {Promise<CorpusDoc[]>} in the order of ids
 */
export function readDocuments(ids, dir = DOCS_DIR) {
  return Promise.all(ids.map(async (id) => parseDocument(id, await readFile(join(dir, `${id}.md`), 'utf8'))));
}

/**
 * Document ids that arrived in an event or an upstream output, checked before any file is opened.
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {string[]}
 */
export function readDocIds(agent, path, v) {
  return requireArray(agent, path, v).map((id, i) =>
    typeof id === 'string' && DOC_ID.test(id) ? id : reject(agent, `${path}[${i}]`, 'a document id', id),
  );
}

/**
 * Words as a reader counts them: runs of non-space characters in the body (the title excluded).
 * @param {CorpusDoc} doc
 */
export function wordCount(doc) {
  return doc.paragraphs.reduce((n, p) => n + (p.match(/\S+/g)?.length ?? 0), 0);
}
