// Renders docs/errors.md from the registry, so the documentation cannot drift from the code
// (test/unit/errors/registry.test.ts fails when the committed file differs; `npm run docs:errors` rewrites it).

import { ERRORS, GRPC_STATUS, type ErrorCode } from './registry.js';

export function renderErrorDocs(): string {
  const rows = (Object.keys(ERRORS) as ErrorCode[]).map((code) => {
    const d = ERRORS[code];
    return `| \`${code}\` | ${d.summary} | ${d.grpc} (${GRPC_STATUS[d.grpc]}) | ${d.retryable ? 'yes' : 'no'} |`;
  });
  return [
    '# Error codes',
    '',
    'Every problem Baton reports carries one of these stable codes. The CLI prints them as',
    '`FILE:LINE:COL  CODE  message`; the gRPC API maps each to the status below with a typed detail.',
    '"Retryable" says whether the same request can succeed later; the engine never parses messages.',
    '',
    'This file is generated from `src/errors/registry.ts` by `npm run docs:errors`.',
    '',
    '| code | when | gRPC status | retryable |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
