// gRPC server reflection (v1 and v1alpha) from the committed `buf build` descriptor set, so clients
// such as `buf curl` and grpcurl see the real .proto files with their imports.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

/** FileDescriptorSet.file: `repeated FileDescriptorProto file = 1`. */
const SET_FILE_FIELD = 1;

/** Adds the reflection services to `server`, describing every file of the descriptor set. */
export function addReflection(
  server: Server,
  descriptorSet: Uint8Array = readFileSync(descriptorSetPath()),
): void {
  new ReflectionService(reflectionPackage(descriptorSet)).addToServer(server);
}

/**
 * The set's files, byte for byte, in the shape @grpc/reflection reads (it reads only
 * `fileDescriptorProtos`). Not via proto-loader: its package definition merges the files of one
 * package into one file and drops their imports, so reflection clients cannot resolve the types.
 */
function reflectionPackage(descriptorSet: Uint8Array): PackageDefinition {
  const files: Buffer[] = [];
  const reader = new BinaryReader(descriptorSet);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === SET_FILE_FIELD && wireType === WireType.LengthDelimited)
      files.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  return {
    'baton.descriptor_set': {
      format: 'Protocol Buffer 3 EnumDescriptorProto',
      type: {},
      fileDescriptorProtos: files,
    },
  };
}

/**
 * src/api/gen/baton.binpb from the package root: found by walking up from this module, so it is
 * the same file whether this runs from src/ (tsx, tests) or from dist/ (tsc copies no .binpb).
 */
export function descriptorSetPath(): string {
  const target = join('src', 'api', 'gen', 'baton.binpb');
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, target))) return join(dir, target);
    if (dirname(dir) === dir) throw new Error(`${target} not found in any folder above ${here}`);
  }
}
