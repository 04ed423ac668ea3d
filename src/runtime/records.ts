// Journal entries (core) <-> journal records (store): the store keeps `data` opaque, core owns its shape.

import type { JournalEntry } from '../core/index.js';
import type { JournalRecord } from '../store/store.js';

export function toRecord(entry: JournalEntry): JournalRecord {
  const { seq, at, type, v, ...data } = entry;
  return { seq, at, type, v, data };
}

export function toEntry(record: JournalRecord): JournalEntry {
  return {
    ...(record.data as object),
    seq: record.seq,
    at: record.at,
    type: record.type,
    v: record.v,
  } as JournalEntry;
}
