// The JSON Schema of a workflow file, derived from the zod schema so the two cannot drift; editors
// use it to check and complete workflow files as they are typed (`baton schema` prints it).

import { z } from 'zod';
import { WorkflowFile } from './schema.js';

/**
 * JSON Schema draft 2020-12 for workflow files as written (io: 'input': quantities are strings or
 * numbers, defaulted keys optional). Strict objects come out with `additionalProperties: false`.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(WorkflowFile, { io: 'input', target: 'draft-2020-12' });
  return {
    ...schema,
    title: 'Baton workflow',
    description: 'A Baton workflow file: agents, tasks and how they are coordinated.',
  };
}
