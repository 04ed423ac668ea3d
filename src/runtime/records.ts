// Journal entries (core) <-> journal records (store): the store keeps `data` opaque, core owns its shape.

import type { JournalEntry } from '../core/index.js';
import type { JournalRecord } from '../store/store.js';

export function toRecord(entry: JournalEntry): JournalRecord {
  const { seq, at, type, v, ...data } = entry;
  return { seq, at, type, v, data };
}

export function toEntry(record: JournalRecord): JournalEntry {
  // Object.assign onto a literal: several times faster than a spread over this mix of shapes.
  const entry = Object.assign({ type: record.type, seq: 0, at: 0, v: 0 }, record.data as object);
  entry.seq = record.seq;
  entry.at = record.at;
  entry.type = record.type;
  entry.v = record.v;
  return entry as JournalEntry;
}
