// @ts-check
// The batches ingest produces (in its output and its batch_ready event) and the readers the downstream
// agents use to check what arrives.

import { reject, requireArray, requireRecord } from '../input.js';
import { readDocIds } from './documents.js';

/**
 * @typedef {object} Batch
 * @property {number} batch 1, 2, ... in reading order
 * @property {string[]} doc_ids
 * @property {number} paragraphs
 * @property {number} words
 */

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {number}
 */
export function requireCount(agent, path, v) {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : reject(agent, path, 'a count', v);
}

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {number}
 */
export function requirePositive(agent, path, v) {
  return typeof v === 'number' && Number.isInteger(v) && v > 0
    ? v
    : reject(agent, path, 'a whole number above 0', v);
}

/**
 * @param {string} agent
 * @param {string} path
 * @param {unknown} v
 * @returns {Batch[]}
 */
export function readBatches(agent, path, v) {
  return requireArray(agent, path, v).map((item, i) => {
    const b = requireRecord(agent, `${path}[${i}]`, item);
    return {
      batch: requirePositive(agent, `${path}[${i}].batch`, b.batch),
      doc_ids: readDocIds(agent, `${path}[${i}].doc_ids`, b.doc_ids),
      paragraphs: requireCount(agent, `${path}[${i}].paragraphs`, b.paragraphs),
      words: requireCount(agent, `${path}[${i}].words`, b.words),
    };
  });
}
