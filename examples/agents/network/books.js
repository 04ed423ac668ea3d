// @ts-check
// The ledgers of the network example (examples/patterns/network.yaml): the head office's record of the
// transfers it sent to its branches, and each branch's record of what it received. The run's input may
// replace them ({ transfers, books }). Two records disagree on purpose: north booked T2 as 205 instead
// of 250, and south never booked T4.

/**
 * @typedef {object} Transfer
 * @property {string} id
 * @property {string} branch the branch it was sent to
 * @property {number} amount EUR
 */

/** @type {Transfer[]} */
export const SENT = [
  { id: 'T1', branch: 'north', amount: 500 },
  { id: 'T2', branch: 'north', amount: 250 },
  { id: 'T3', branch: 'south', amount: 400 },
  { id: 'T4', branch: 'south', amount: 125 },
  { id: 'T5', branch: 'north', amount: 80 },
];

/** @type {Record<string, Array<{ id: string, amount: number }>>} */
export const RECEIVED = {
  north: [
    { id: 'T1', amount: 500 },
    { id: 'T2', amount: 205 },
    { id: 'T5', amount: 80 },
  ],
  south: [{ id: 'T3', amount: 400 }],
};

/**
 * @typedef {object} Difference
 * @property {string} id
 * @property {number | null} sent what the head office sent (null: it sent no such transfer)
 * @property {number | null} booked what the branch booked (null: it never booked it)
 */

/**
 * What the peers of this example write (one shape for all their messages).
 * @typedef {object} Message
 * @property {Transfer[]} [transfers] hq: every transfer it sent
 * @property {Record<string, Array<{ id: string, amount: number }>>} [corrections] hq: per branch
 * @property {Record<string, number>} [confirmed] hq: the branches it confirmed, with their totals
 * @property {string} [branch]
 * @property {'balanced' | 'differences'} [status]
 * @property {number} [total]
 * @property {string[]} [corrected]
 * @property {Difference[]} [differences]
 */

/**
 * @typedef {object} Mail
 * @property {number} seq
 * @property {string} from
 * @property {Message} message
 */

/**
 * The task input as the network plugin builds it: the run's input, the peers, and the inbox (empty on
 * an entry peer's first turn).
 * @param {unknown} input
 * @returns {{ run: { transfers?: Transfer[], books?: Record<string, Array<{ id: string, amount: number }>> }, inbox: Mail[] }}
 */
export function turnOf(input) {
  const i =
    /** @type {{ input?: { transfers?: Transfer[], books?: Record<string, Array<{ id: string, amount: number }>> }, inbox?: Mail[] }} */ (
      input ?? {}
    );
  return { run: i.input ?? {}, inbox: i.inbox ?? [] };
}

/** @param {Array<{ amount: number }>} rows */
export const total = (rows) => rows.reduce((s, r) => s + r.amount, 0);
