// What `baton run FILE --server` sends: the file's YAML with its relative paths (agents'
// `endpoint.module`, sub-workflow files) made absolute against the file's folder, so the workflow means
// on a server what it means to a local `baton run` (a relative path in a workflow file is relative to
// that file). The server must see the same paths: the same machine, or a shared filesystem.

import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** A task's `workflow:` that names a registered workflow (name@version), not a file. */
const STORED = /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$/;

function absolutize(node: unknown, baseDir: string, isPath: (v: string) => boolean): boolean {
  if (!isScalar(node) || typeof node.value !== 'string') return false;
  const v = node.value;
  if (isAbsolute(v) || !isPath(v)) return false;
  node.value = resolve(baseDir, v);
  return true;
}

/** The source with its relative paths made absolute; the text unchanged when it has none. */
export function withAbsolutePaths(source: string, baseDir: string): string {
  const doc = parseDocument(source);
  const root = doc.get('workflow');
  if (!isMap(root)) return source; // not a workflow: the server says what is wrong with it
  let changed = false;
  const agents = root.get('agents');
  if (isMap(agents)) {
    for (const pair of agents.items) {
      const endpoint = isMap(pair.value) ? pair.value.get('endpoint', true) : undefined;
      if (isMap(endpoint)) changed = absolutize(endpoint.get('module', true), baseDir, () => true) || changed;
    }
  }
  const tasks = root.get('tasks');
  if (isSeq(tasks)) {
    for (const task of tasks.items) {
      if (isMap(task))
        changed =
          absolutize(task.get('workflow', true), baseDir, (v) => !STORED.test(v) || /\.ya?ml$/.test(v)) ||
          changed;
    }
  }
  return changed ? doc.toString({ lineWidth: 0 }) : source;
}
