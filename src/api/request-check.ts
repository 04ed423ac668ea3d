// Checks a request message's bytes against its descriptor before anything decodes them: the wire format
// itself (tags, wire types, lengths, UTF-8), every limit of limits.ts (string and bytes lengths, items of
// repeated fields, JSON nesting), and numbers JavaScript cannot hold or the type cannot (a uint64 above
// 2^53, a uint32 sent as a 64-bit varint, a Duration past ten thousand years). One pass over the bytes,
// allocating nothing per value, so a 10 MB field costs a length comparison, not a 10 MB string.

import { isUtf8 } from 'node:buffer';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { ErrorCode } from '../errors/registry.js';
import { FIELD_LIMITS, MAX_JSON_DEPTH, type FieldLimit } from './limits.js';

/** What is wrong with a request, and where: a dot-separated path of proto field names and indices. */
export interface RequestProblem {
  readonly code: ErrorCode;
  readonly fieldPath: string;
  readonly message: string;
}

class Refused extends Error {
  constructor(readonly problem: RequestProblem) {
    super(problem.message);
  }
}

const refuse = (code: ErrorCode, fieldPath: string, message: string): never => {
  throw new Refused({ code, fieldPath, message });
};

const JSON_CONTAINERS = new Set(['google.protobuf.Struct', 'google.protobuf.ListValue']);
const JSON_TYPES = new Set([...JSON_CONTAINERS, 'google.protobuf.Value']);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const UINT32_MAX = 2n ** 32n - 1n;
/** google.protobuf.Duration and Timestamp ranges (their .proto files): about ±10,000 years. */
const DURATION_SECONDS = 315_576_000_000n;
const TIMESTAMP_SECONDS = { min: -62_135_596_800n, max: 253_402_300_799n };

const byNumber = new WeakMap<DescMessage, Map<number, DescField>>();

function fieldsOf(desc: DescMessage): Map<number, DescField> {
  let m = byNumber.get(desc);
  if (!m) {
    m = new Map(desc.fields.map((f) => [f.number, f]));
    byNumber.set(desc, m);
  }
  return m;
}

/** Where the walk is: the request field path, and the JSON value (if any) it is inside. */
interface At {
  readonly path: string;
  /** The request field holding the JSON value being walked; undefined outside JSON. */
  readonly json?: string;
  readonly jsonDepth: number;
}

/** The first problem of `bytes` as a `desc` message, or undefined when the edge accepts it. */
export function checkRequest(desc: DescMessage, bytes: Uint8Array): RequestProblem | undefined {
  const reader = new BinaryReader(bytes);
  try {
    walk(desc, reader, bytes, bytes.length, { path: '', jsonDepth: 0 });
    return undefined;
  } catch (e) {
    if (e instanceof Refused) return e.problem;
    // The reader's own errors (a truncated varint, an illegal tag): the bytes are not protobuf.
    return {
      code: 'BATON_E_BAD_REQUEST',
      fieldPath: '',
      message: `is not a valid ${desc.typeName} message: ${(e as Error).message} at byte ${reader.pos}`,
    };
  }
}

function walk(desc: DescMessage, reader: BinaryReader, buf: Uint8Array, end: number, at: At): void {
  const fields = fieldsOf(desc);
  const counts = new Map<number, number>();
  while (reader.pos < end) {
    const [no, wireType] = reader.tag();
    const field = fields.get(no);
    if (!field) {
      // An unknown field (a newer client): skipped, as protobuf requires.
      reader.skip(wireType, no);
      if (reader.pos > end) truncated(at.path || desc.typeName);
      continue;
    }
    // Inside a JSON value every problem is the request field's: JSON keys are data, not field names.
    const path = at.json ?? (at.path === '' ? field.name : `${at.path}.${field.name}`);
    const limit = FIELD_LIMITS[`${desc.typeName}.${field.name}`];
    if (field.fieldKind === 'list') {
      const index = counts.get(no) ?? 0;
      const type =
        field.listKind === 'enum' ? ScalarType.INT32 : field.listKind === 'scalar' ? field.scalar : undefined;
      if (type !== undefined && wireType === WireType.LengthDelimited && scalarWireType(type) !== wireType) {
        // Packed numbers: one length-delimited run of values.
        const len = length(reader, end, path);
        const stop = reader.pos + len;
        let n = index;
        while (reader.pos < stop) {
          checkItems(limit, path, ++n);
          scalar(type, reader, buf, stop, `${path}.${n - 1}`, limit, at);
        }
        if (reader.pos !== stop) truncated(path);
        counts.set(no, n);
        continue;
      }
      counts.set(no, index + 1);
      checkItems(limit, path, index + 1);
      const item = at.json ?? `${path}.${index}`;
      if (field.listKind === 'message') message(field.message, wireType, reader, buf, end, item, at);
      else value(type!, wireType, reader, buf, end, item, limit, at);
      continue;
    }
    if (field.fieldKind === 'map') {
      // Only google.protobuf.Struct has a map among request messages: its fields, JSON object keys.
      const len = length(reader, end, path, wireType);
      mapEntry(field, reader, buf, reader.pos + len, path, at);
      continue;
    }
    if (field.fieldKind === 'message') {
      message(field.message, wireType, reader, buf, end, path, at);
      continue;
    }
    value(
      field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar,
      wireType,
      reader,
      buf,
      end,
      path,
      limit,
      at,
    );
  }
  if (reader.pos !== end) truncated(at.path || desc.typeName);
}

function checkItems(limit: { items?: number } | undefined, path: string, n: number): void {
  if (limit?.items !== undefined && n > limit.items)
    refuse('BATON_E_FIELD_TOO_LARGE', path, `has more than ${limit.items} items`);
}

function message(
  desc: DescMessage,
  wireType: WireType,
  reader: BinaryReader,
  buf: Uint8Array,
  end: number,
  path: string,
  at: At,
): void {
  const len = length(reader, end, path, wireType);
  const stop = reader.pos + len;
  if (desc.typeName === 'google.protobuf.Duration' || desc.typeName === 'google.protobuf.Timestamp')
    return secondsAndNanos(desc.typeName, reader, stop, path);
  const json = at.json ?? (JSON_TYPES.has(desc.typeName) ? path : undefined);
  let jsonDepth = at.jsonDepth;
  if (JSON_CONTAINERS.has(desc.typeName) && ++jsonDepth > MAX_JSON_DEPTH)
    refuse('BATON_E_JSON_TOO_DEEP', json!, `nests deeper than ${MAX_JSON_DEPTH} levels`);
  walk(desc, reader, buf, stop, { path, ...(json !== undefined && { json }), jsonDepth });
}

/** A map entry (key = 1, value = 2); Struct's keys are strings and its values Value messages. */
function mapEntry(
  field: DescField,
  reader: BinaryReader,
  buf: Uint8Array,
  stop: number,
  path: string,
  at: At,
): void {
  if (field.fieldKind !== 'map') return;
  const json = at.json ?? path;
  while (reader.pos < stop) {
    const [no, wireType] = reader.tag();
    if (no === 1) value(field.mapKey, wireType, reader, buf, stop, json, undefined, at);
    else if (no === 2 && field.mapKind === 'message')
      message(field.message, wireType, reader, buf, stop, json, { ...at, json });
    else if (no === 2)
      value(
        field.mapKind === 'scalar' ? field.scalar : ScalarType.INT32,
        wireType,
        reader,
        buf,
        stop,
        json,
        undefined,
        at,
      );
    else reader.skip(wireType, no);
  }
  if (reader.pos !== stop) truncated(path);
}

/** The wire type a scalar is encoded with (outside a packed run). */
function scalarWireType(type: ScalarType): WireType {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

const TYPE_NAMES: Partial<Record<ScalarType, string>> = {
  [ScalarType.INT32]: 'int32',
  [ScalarType.UINT32]: 'uint32',
  [ScalarType.SINT32]: 'sint32',
  [ScalarType.INT64]: 'int64',
  [ScalarType.UINT64]: 'uint64',
  [ScalarType.SINT64]: 'sint64',
  [ScalarType.FIXED64]: 'fixed64',
  [ScalarType.SFIXED64]: 'sfixed64',
};

/** One scalar value (not packed), after checking its wire type. */
function value(
  type: ScalarType,
  wireType: WireType,
  reader: BinaryReader,
  buf: Uint8Array,
  end: number,
  path: string,
  limit: FieldLimit | undefined,
  at: At,
): void {
  if (wireType !== scalarWireType(type)) wrongWireType(path, wireType);
  scalar(type, reader, buf, end, path, limit, at);
}

function scalar(
  type: ScalarType,
  reader: BinaryReader,
  buf: Uint8Array,
  end: number,
  path: string,
  limit: FieldLimit | undefined,
  at?: At,
): void {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES: {
      const len = length(reader, end, path);
      // A field its service checks (with an error of its own) is bounded here by the message size only.
      if (limit?.bytes !== undefined && limit.checkedBy === undefined && len > limit.bytes)
        refuse('BATON_E_FIELD_TOO_LARGE', path, `is longer than ${limit.bytes} bytes (it has ${len})`);
      if (type === ScalarType.STRING && !isUtf8(buf.subarray(reader.pos, reader.pos + len)))
        refuse('BATON_E_BAD_REQUEST', path, 'is not valid UTF-8 (a protobuf string must be)');
      reader.pos += len;
      return;
    }
    case ScalarType.DOUBLE: {
      const v = reader.double();
      // google.protobuf.Value.number_value: JSON has no NaN or Infinity (the journal would keep null).
      if (at?.json !== undefined && !Number.isFinite(v))
        refuse('BATON_E_REQUEST_INVALID', path, `holds ${v}, which is not a JSON number`);
      break;
    }
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      reader.skip(WireType.Bit32);
      break;
    case ScalarType.FIXED64:
      inRange(BigInt(reader.fixed64()), 0n, MAX_SAFE, path, type);
      break;
    case ScalarType.SFIXED64:
      inRange(BigInt(reader.sfixed64()), -MAX_SAFE, MAX_SAFE, path, type);
      break;
    case ScalarType.BOOL:
      reader.bool();
      break;
    case ScalarType.UINT32:
      inRange(BigInt(reader.uint64()), 0n, UINT32_MAX, path, type);
      break;
    case ScalarType.INT32:
      inRange(BigInt(reader.int64()), INT32.min, INT32.max, path, type);
      break;
    case ScalarType.SINT32:
      inRange(BigInt(reader.sint64()), INT32.min, INT32.max, path, type);
      break;
    case ScalarType.UINT64:
      inRange(BigInt(reader.uint64()), 0n, MAX_SAFE, path, type);
      break;
    case ScalarType.INT64:
      inRange(BigInt(reader.int64()), -MAX_SAFE, MAX_SAFE, path, type);
      break;
    case ScalarType.SINT64:
      inRange(BigInt(reader.sint64()), -MAX_SAFE, MAX_SAFE, path, type);
      break;
  }
  if (reader.pos > end) truncated(path);
}

function inRange(v: bigint, min: bigint, max: bigint, path: string, type: ScalarType): void {
  if (v >= min && v <= max) return;
  const what = TYPE_NAMES[type] ?? 'integer';
  const why =
    max === MAX_SAFE && v > max ? ' (above 2^53 - 1, the largest integer this server holds exactly)' : '';
  refuse('BATON_E_REQUEST_INVALID', path, `is ${v}, out of range for this ${what} field${why}`);
}

/** Duration and Timestamp: seconds (1) and nanos (2) within the ranges their .proto files define. */
function secondsAndNanos(typeName: string, reader: BinaryReader, stop: number, path: string): void {
  let seconds = 0n;
  let nanos = 0n;
  while (reader.pos < stop) {
    const [no, wireType] = reader.tag();
    if ((no === 1 || no === 2) && wireType !== WireType.Varint)
      wrongWireType(`${path}.${no === 1 ? 'seconds' : 'nanos'}`, wireType);
    if (no === 1) seconds = BigInt(reader.int64());
    else if (no === 2) nanos = BigInt(reader.int64());
    else reader.skip(wireType, no);
  }
  if (reader.pos !== stop) truncated(path);
  const duration = typeName === 'google.protobuf.Duration';
  const [min, max] = duration
    ? [-DURATION_SECONDS, DURATION_SECONDS]
    : [TIMESTAMP_SECONDS.min, TIMESTAMP_SECONDS.max];
  if (seconds < min || seconds > max)
    refuse(
      'BATON_E_REQUEST_INVALID',
      `${path}.seconds`,
      `is ${seconds}, out of range for a ${duration ? 'Duration' : 'Timestamp'} (${min} to ${max})`,
    );
  const nanosMin = duration ? -999_999_999n : 0n;
  if (nanos < nanosMin || nanos > 999_999_999n)
    refuse(
      'BATON_E_REQUEST_INVALID',
      `${path}.nanos`,
      `is ${nanos}, out of range (${nanosMin} to 999999999)`,
    );
}

/** A length prefix that fits in what is left of the enclosing message. */
function length(
  reader: BinaryReader,
  end: number,
  path: string,
  wireType: WireType = WireType.LengthDelimited,
): number {
  if (wireType !== WireType.LengthDelimited) wrongWireType(path, wireType);
  const len = reader.uint32();
  if (len < 0 || reader.pos + len > end) truncated(path);
  return len;
}

const WIRE_TYPE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

function wrongWireType(path: string, wireType: WireType): never {
  return refuse(
    'BATON_E_BAD_REQUEST',
    path,
    `has the wrong wire type (${WIRE_TYPE_NAMES[wireType] ?? wireType}) for its type`,
  );
}

function truncated(path: string): never {
  return refuse('BATON_E_BAD_REQUEST', path, 'is truncated: its length runs past the end of the message');
}
