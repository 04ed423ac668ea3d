// Semver order and version ranges for plugin references: `acme/auction@1.2` names the highest 1.2.x
// stored, `@1` the highest 1.x.y, `@1.2.3` exactly that. Pre-releases match only when named exactly.

const FULL = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;
const PARTIAL = /^(\d+)(?:\.(\d+))?$/;

/** Negative when a < b in semver precedence (a release outranks its pre-releases). */
export function compareVersions(a: string, b: string): number {
  const pa = FULL.exec(a);
  const pb = FULL.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  if (pa[4] === pb[4]) return 0;
  if (pa[4] === undefined) return 1;
  if (pb[4] === undefined) return -1;
  return comparePre(pa[4], pb[4]);
}

function comparePre(a: string, b: string): number {
  const xs = a.split('.');
  const ys = b.split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The version among `versions` that `wanted` names: an exact version, the highest release of a
 * `major.minor` or `major` range, or (undefined wanted) the highest release, else the highest of all.
 */
export function resolveVersion(versions: readonly string[], wanted: string | undefined): string | undefined {
  if (wanted !== undefined && FULL.test(wanted)) return versions.find((v) => v === wanted);
  const sorted = [...versions].sort((a, b) => compareVersions(b, a));
  const releases = sorted.filter((v) => FULL.exec(v)?.[4] === undefined);
  if (wanted === undefined) return releases[0] ?? sorted[0];
  const range = PARTIAL.exec(wanted);
  if (!range) return undefined;
  return releases.find((v) => {
    const [major, minor] = v.split('.');
    return major === range[1] && (range[2] === undefined || minor === range[2]);
  });
}

/** `acme/auction@1.2` -> name and the version part; a bare name has none. */
export function parsePluginRef(ref: string): { name: string; version: string | undefined } {
  const at = ref.lastIndexOf('@');
  return at > 0 ? { name: ref.slice(0, at), version: ref.slice(at + 1) } : { name: ref, version: undefined };
}
