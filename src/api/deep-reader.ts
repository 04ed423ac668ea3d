// Decoding messages that carry deep JSON. ts-proto's generated decoders refuse a message nested more
// than 100 levels (a guard they count on the reader), which a google.protobuf.Struct reaches at 33 JSON
// levels (Struct, map entry and Value per level): the API accepts 64 (limits.ts MAX_JSON_DEPTH), and a
// run's journal entries wrap its input a few levels deeper still. This reader keeps that guard's count
// itself, with a bound that fits the API's limits with room to spare.

import { BinaryReader } from '@bufbuild/protobuf/wire';

/** Message levels a decoder may nest: 64 JSON levels need about 200; a stack holds many more. */
export const MAX_DECODE_DEPTH = 1000;

/**
 * The generated decoders read `__tsProtoDecodeDepth`, refuse at 100, set it one higher on the way in and
 * back on the way out. Reading 0 makes every entry set 1 and every exit set 0: counted here instead.
 */
export class DeepReader extends BinaryReader {
  private depth = 0;

  get __tsProtoDecodeDepth(): number {
    return 0;
  }

  set __tsProtoDecodeDepth(value: number) {
    if (value === 0) this.depth--;
    else if (++this.depth > MAX_DECODE_DEPTH)
      throw new Error(`the message nests deeper than ${MAX_DECODE_DEPTH} levels`);
  }
}

/** A generated `decode`-backed deserializer that reads through a DeepReader (it takes a reader too). */
export const deepDecoder =
  <T>(deserialize: (bytes: Buffer) => T) =>
  (bytes: Buffer): T =>
    deserialize(new DeepReader(bytes) as unknown as Buffer);

/** A generated service definition whose responses decode through DeepReader (for clients). */
export function deepResponses<T extends Record<string, { responseDeserialize: (b: Buffer) => unknown }>>(
  definition: T,
): T {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition))
    out[name] = { ...method, responseDeserialize: deepDecoder(method.responseDeserialize) };
  return out as T;
}
