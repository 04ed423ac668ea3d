// Where a document path was written: a SourceLocator built, only when a diagnostic needs a place, by
// re-parsing the text with js-yaml and recording every node's start through its `listener` hook.
// Node frames are matched to the parsed values and trusted only as far as they agree with them.

import { load } from 'js-yaml';
import type { DocPath, SourceLocator } from './diagnostic.js';
import { LineIndex, type Position } from './line-index.js';
import { YAML_SCHEMA } from './yaml-source.js';

/** One composed YAML node: where it opened, what it produced, and the nodes composed inside it. */
interface Frame {
  start: number;
  result: unknown;
  /** 'mapping' | 'sequence' | 'scalar'; null for an alias or an empty node (`key:` and nothing after). */
  kind: string | null;
  children: Frame[] | undefined;
}

interface Pair {
  readonly key: Frame;
  readonly value: Frame;
}

const MERGE_KEY = '<<';
const hasOwn = (obj: unknown, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/** A locator for `text`, YAML that js-yaml has parsed once already. Nothing runs until the first locate(). */
export function createLocator(text: string): SourceLocator {
  let tree: FrameTree | null | undefined;
  const lines = new LineIndex(text);
  return {
    locate(path: DocPath, key = false): Position {
      tree ??= FrameTree.parse(text);
      // The text parsed before, so this fails only if the listener's extra stack depth overflows it.
      if (tree === null) return { line: 1, col: 1 };
      return lines.position(nodeStart(text, tree.find(path, key)));
    },
  };
}

/** The parsed document with a frame per node, and the frame that created each mapping and list. */
class FrameTree {
  private readonly pairsCache = new WeakMap<Frame, Map<string, Pair>>();
  private readonly itemsCache = new WeakMap<Frame, ReadonlyArray<Frame | null>>();

  private constructor(
    private readonly root: Frame,
    private readonly containers: ReadonlyMap<unknown, Frame>,
  ) {}

  static parse(text: string): FrameTree | null {
    const top: Frame = { start: 0, result: undefined, kind: null, children: [] };
    const stack: Frame[] = [top];
    const containers = new Map<unknown, Frame>();
    try {
      load(text, {
        schema: YAML_SCHEMA,
        listener(event, state) {
          if (event === 'open') {
            const frame: Frame = {
              start: state.position,
              result: undefined,
              kind: null,
              children: undefined,
            };
            (stack[stack.length - 1]!.children ??= []).push(frame);
            stack.push(frame);
            return;
          }
          const frame = stack.pop()!;
          frame.result = state.result;
          frame.kind = state.kind;
          // An alias closes with its anchor's object too; the anchor, written first, is where it was defined.
          if ((frame.kind === 'mapping' || frame.kind === 'sequence') && !containers.has(frame.result)) {
            containers.set(frame.result, frame);
          }
        },
      });
    } catch {
      return null;
    }
    const root = top.children?.[0];
    if (root === undefined) return null;
    // An empty document opens after its comments; point at the start of the file instead.
    if (root.kind === null) root.start = 0;
    return new FrameTree(root, containers);
  }

  /** Follows `path` as far as the frames are trustworthy; returns the frame of the deepest node reached. */
  find(path: DocPath, key: boolean): Frame {
    let at = this.root;
    for (let i = 0; i < path.length; i++) {
      const container = this.containers.get(at.result);
      if (container === undefined) return at;
      const segment = path[i]!;
      let next: Frame | null | undefined;
      if (Array.isArray(container.result)) {
        next = typeof segment === 'number' ? this.items(container)[segment] : undefined;
      } else {
        const pair = this.findPair(container, String(segment));
        next = pair && (key && i === path.length - 1 ? pair.key : pair.value);
      }
      if (!next) return at;
      at = next;
    }
    return at;
  }

  /**
   * Frames of a list's items. js-yaml composes no node for an empty `-` entry, so frames are matched to
   * items in order, an unmatched item being such a null (no frame); the first disagreement ends the match.
   */
  private items(list: Frame): ReadonlyArray<Frame | null> {
    const cached = this.itemsCache.get(list);
    if (cached !== undefined) return cached;
    const items = list.result as unknown[];
    const frames = list.children ?? [];
    const matched: Array<Frame | null> = [];
    for (let i = 0, f = 0; i < items.length; i++) {
      const frame = frames[f];
      if (frame !== undefined && Object.is(frame.result, items[i])) {
        matched.push(frame);
        f++;
      } else if (items[i] === null) matched.push(null);
      else break;
    }
    this.itemsCache.set(list, matched);
    return matched;
  }

  /** The key and value frames of `key` in a mapping, looking through `<<` merges as js-yaml applies them. */
  private findPair(mapping: Frame, key: string): Pair | undefined {
    const seen = new Set<Frame>();
    const queue = [mapping];
    // Own keys win over merged ones, and earlier merge sources over later ones: breadth-first, in order.
    for (let q = 0; q < queue.length; q++) {
      const frame = queue[q]!;
      if (seen.has(frame)) continue;
      seen.add(frame);
      const pairs = this.pairs(frame);
      const pair = pairs.get(key);
      if (pair !== undefined && hasOwn(frame.result, key)) return pair;
      const merge = pairs.get(MERGE_KEY);
      if (merge === undefined || hasOwn(frame.result, MERGE_KEY)) continue;
      const sources: unknown[] = Array.isArray(merge.value.result)
        ? merge.value.result
        : [merge.value.result];
      for (const source of sources) {
        const sourceFrame = this.containers.get(source);
        if (sourceFrame !== undefined) queue.push(sourceFrame);
      }
    }
    return undefined;
  }

  /**
   * Key/value frame pairs of a mapping, in the order written. A pair is kept only while its key is one
   * of the object's keys and its value frame produced that key's value (or it is a `<<` merge).
   */
  private pairs(mapping: Frame): Map<string, Pair> {
    const cached = this.pairsCache.get(mapping);
    if (cached !== undefined) return cached;
    const pairs = new Map<string, Pair>();
    const obj = mapping.result as Record<string, unknown>;
    const children = mapping.children ?? [];
    for (let i = 0; i + 1 < children.length; i += 2) {
      const keyFrame = children[i]!;
      const valueFrame = children[i + 1]!;
      const name = String(keyFrame.result);
      const agrees = hasOwn(obj, name) ? Object.is(valueFrame.result, obj[name]) : name === MERGE_KEY;
      if (!agrees || pairs.has(name)) break;
      pairs.set(name, { key: keyFrame, value: valueFrame });
    }
    this.pairsCache.set(mapping, pairs);
    return pairs;
  }
}

/**
 * js-yaml opens a node before skipping the spaces, line breaks and comments in front of it; the node
 * starts after them. An empty node has nothing after them, so it stays where it opened (after `key:`).
 */
function nodeStart(text: string, frame: Frame): number {
  if (frame.kind === null && frame.result === null) return frame.start;
  let i = frame.start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else break;
  }
  return i;
}
