#!/usr/bin/env node
// Builds WASM plugins from AssemblyScript: each folder with a manifest.json and assembly/index.ts
// becomes <out>/<name>/plugin.wasm plus a manifest.json that pins the module's sha256. Run by
// `npm run build:plugins` (and by `prepare`, so `npm ci` builds the built-ins into dist/plugins);
// tests import buildPlugin() to build their fixtures the same way.
//
//   node scripts/build-plugins.js [source dir ...] [--out dir]   (default: plugins/* -> dist/plugins)

import asc from 'assemblyscript/asc';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** Every plugin's `abort` goes to the kit's handler (logs where, then traps), as TOOLCHAIN.md says. */
const ABORT = 'sdk/pattern-kit/assembly/index/batonAbort';
/**
 * A plugin outside this repository imports the kit as a package, `@baton/pattern-kit/assembly`: the
 * build serves it from sdk/pattern-kit (asc looks packages up under node_modules), and the abort
 * handler is then the kit's under that name.
 */
const KIT_PACKAGE = '@baton/pattern-kit/';
const KIT_ABORT = `~lib/${KIT_PACKAGE}assembly/index/batonAbort`;

/** asc's file reader, with the kit package served from this repository's sdk/pattern-kit. */
async function readSource(name, baseDir) {
  const path = resolve(baseDir, name);
  const at = path.lastIndexOf(`node_modules/${KIT_PACKAGE}`);
  const file =
    at < 0 ? path : join(ROOT, 'sdk/pattern-kit', path.slice(at + `node_modules/${KIT_PACKAGE}`.length));
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** Whether the plugin's sources import the kit as a package (else by relative path, as plugins/ do). */
async function importsKitPackage(dir) {
  const files = await readdir(join(dir, 'assembly'), { recursive: true });
  for (const f of files.filter((f) => f.endsWith('.ts'))) {
    if ((await readFile(join(dir, 'assembly', f), 'utf8')).includes(KIT_PACKAGE)) return true;
  }
  return false;
}

/**
 * Builds the plugin in `dir` into `outDir/<name>/`; returns the path of the manifest written.
 * Manifest fields other than `wasm` and `sha256` are copied from the source manifest;
 * `limits.memory_pages` (default 256) is the module's declared memory maximum.
 * `asc.extraFlags` lets hostile fixtures build what the loader must refuse.
 */
export async function buildPlugin(dir, outDir, { extraFlags = [], maximumMemory } = {}) {
  const source = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const dest = join(outDir, source.name.replace('/', '__'));
  await mkdir(dest, { recursive: true });
  const wasm = join(dest, 'plugin.wasm');
  const pages = maximumMemory ?? source.limits?.memory_pages ?? 256;
  // asc names modules by their path below --baseDir, and `abort` must name the kit's handler by that
  // name: a plugin folder outside the repository (`baton plugin build`) builds from a common ancestor.
  const base = commonAncestor(ROOT, resolve(dir));
  const args = [
    relative(base, join(dir, 'assembly/index.ts')),
    '--outFile',
    wasm,
    '--baseDir',
    base,
    '--use',
    `abort=${(await importsKitPackage(dir)) ? KIT_ABORT : relative(base, join(ROOT, ABORT))}`,
    ...(base === ROOT ? [] : ['--path', join(ROOT, 'node_modules')]),
    '--optimize',
    '--runtime',
    'incremental',
    ...(pages === null ? [] : ['--maximumMemory', String(pages)]),
    ...extraFlags,
  ];
  let log = '';
  const { error } = await asc.main(args, {
    readFile: readSource,
    stdout: { write: (s) => void (log += s) },
    stderr: { write: (s) => void (log += s) },
  });
  if (error) throw new Error(`building ${dir} failed: ${error.message}\n${log}`);
  const bytes = await readFile(wasm);
  const manifest = {
    ...source,
    wasm: 'plugin.wasm',
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  const path = join(dest, 'manifest.json');
  await writeFile(path, JSON.stringify(manifest, null, 2) + '\n');
  return path;
}

function commonAncestor(a, b) {
  let dir = a;
  while (relative(dir, b).startsWith('..')) dir = dirname(dir);
  return dir;
}

async function main(argv) {
  const outAt = argv.indexOf('--out');
  const out = resolve(outAt >= 0 ? argv[outAt + 1] : join(ROOT, 'dist/plugins'));
  const given = argv.filter((a, i) => a !== '--out' && i !== outAt + 1);
  const dirs = given.length > 0 ? given.map((d) => resolve(d)) : await sourceDirs(join(ROOT, 'plugins'));
  for (const dir of dirs) {
    const path = await buildPlugin(dir, out);
    process.stdout.write(`built ${relative(ROOT, path)}\n`);
  }
}

async function sourceDirs(root) {
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'manifest.json')))
    .map((e) => join(root, e.name))
    .sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
