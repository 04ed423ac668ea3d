// Offsets in a text to 1-based line:column, for diagnostics. Columns count UTF-16 code units, as
// js-yaml's marks do; "\n", "\r\n" and a lone "\r" each end a line, as in YAML.

export interface Position {
  readonly line: number;
  readonly col: number;
}

export class LineIndex {
  /** Offset where each line starts; built once, on the first lookup. */
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  /** The line and column of `offset` (clamped into the text). */
  position(offset: number): Position {
    const starts = (this.starts ??= lineStarts(this.text));
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: at - starts[lo]! + 1 };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}
