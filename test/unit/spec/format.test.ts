// The two outputs of a diagnostic: the line a person reads in a terminal, and the JSON of --json.

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/spec/diagnostic.js';
import {
  diagnosticToJson,
  formatDiagnostic,
  formatDiagnostics,
  formatPath,
} from '../../../src/spec/format.js';

const wrongType: Diagnostic = {
  code: 'BATON_E_WRONG_TYPE',
  severity: 'error',
  message: 'expected a list of task ids, found a string "decompose"',
  line: 12,
  col: 19,
  path: ['workflow', 'tasks', 1, 'depends_on'],
  expected: 'a list of task ids',
  found: 'a string "decompose"',
  hint: 'write ["decompose"]',
};

describe('formatDiagnostic', () => {
  it('prints FILE:LINE:COL, the code and the message, then expected/found/hint lines', () => {
    expect(formatDiagnostic(wrongType, 'flow.yaml')).toBe(
      [
        'flow.yaml:12:19  BATON_E_WRONG_TYPE  expected a list of task ids, found a string "decompose"',
        '    expected: a list of task ids',
        '    found: a string "decompose"',
        '    hint: write ["decompose"]',
      ].join('\n'),
    );
  });

  it('shows a problem with no place against the file alone, and marks warnings', () => {
    const tooLarge: Diagnostic = {
      code: 'BATON_E_FILE_TOO_LARGE',
      severity: 'error',
      message: 'too big',
      line: 0,
      col: 0,
      path: [],
    };
    expect(formatDiagnostic(tooLarge, 'big.yaml')).toBe('big.yaml  BATON_E_FILE_TOO_LARGE  too big');
    expect(formatDiagnostic({ ...tooLarge, severity: 'warning', line: 1, col: 1 }, 'f')).toBe(
      'f:1:1  BATON_E_FILE_TOO_LARGE  warning: too big',
    );
  });

  it('colours the place, the code and the labels for a terminal', () => {
    const coloured = formatDiagnostic(wrongType, 'flow.yaml', true);
    expect(coloured).toContain('\u001b[1mflow.yaml:12:19\u001b[22m');
    expect(coloured).toContain('\u001b[31mBATON_E_WRONG_TYPE\u001b[39m');
    expect(coloured).toContain('\u001b[2mhint:\u001b[22m write ["decompose"]');
    expect(formatDiagnostic({ ...wrongType, severity: 'warning' }, 'f', true)).toContain(
      '\u001b[33mBATON_E_WRONG_TYPE',
    );
    expect(formatDiagnostics([wrongType], 'f', true)).toBe(formatDiagnostic(wrongType, 'f', true));
  });

  it('joins a list one diagnostic after another', () => {
    expect(formatDiagnostics([wrongType, wrongType], 'f').split('\n')).toHaveLength(8);
    expect(formatDiagnostics([], 'f')).toBe('');
  });
});

describe('JSON form', () => {
  it('is plain data with a readable path, leaving out absent fields', () => {
    expect(diagnosticToJson(wrongType)).toEqual({
      line: 12,
      col: 19,
      code: 'BATON_E_WRONG_TYPE',
      severity: 'error',
      message: 'expected a list of task ids, found a string "decompose"',
      path: 'workflow.tasks[1].depends_on',
      expected: 'a list of task ids',
      found: 'a string "decompose"',
      hint: 'write ["decompose"]',
    });
    const bare = [
      { code: 'BATON_E_INTERNAL', severity: 'error', message: 'm', line: 0, col: 0, path: [] } as const,
    ].map(diagnosticToJson);
    expect(Object.keys(bare[0]!)).toEqual(['line', 'col', 'code', 'severity', 'message', 'path']);
    expect(JSON.parse(JSON.stringify(bare))).toEqual(bare);
  });
});

describe('formatPath', () => {
  it('writes names with dots, indexes in brackets, and quotes other keys', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['workflow', 'agents', 'web.search', 'type'])).toBe(
      'workflow.agents["web.search"].type',
    );
    expect(formatPath([0, 'a'])).toBe('[0].a');
  });
});
