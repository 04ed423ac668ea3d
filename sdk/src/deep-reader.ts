// Decoding responses that carry deep JSON. The generated decoders refuse a message nested more than 100
// levels (a guard they count on the reader), which a google.protobuf.Struct reaches at 33 JSON levels
// (Struct, map entry and Value per level), while Baton accepts JSON nested 64 levels and its journal
// entries and assignments wrap it a few levels deeper. This reader keeps that count itself, with a
// bound that fits with room to spare. (The server's twin is src/api/deep-reader.ts.)

import { BinaryReader } from '@bufbuild/protobuf/wire';

/** Message levels a decoder may nest: 64 JSON levels need about 200; a stack holds many more. */
const MAX_DECODE_DEPTH = 1000;

/** Reading 0 makes every generated decoder set 1 on entry and 0 on exit: counted here instead. */
class DeepReader extends BinaryReader {
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

const wrapped = new WeakMap<object, unknown>();

/** `deserialize` (a generated decode, which takes a reader as well as bytes) reading through DeepReader. */
export function deepDecoder<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T {
  let d = wrapped.get(deserialize) as ((bytes: Buffer) => T) | undefined;
  if (!d) {
    d = (bytes: Buffer): T => deserialize(new DeepReader(bytes) as unknown as Buffer);
    wrapped.set(deserialize, d);
  }
  return d;
}
