// `baton schema`: the JSON Schema of workflow files, derived from the one zod schema.

import { workflowJsonSchema } from '../../spec/index.js';
import type { Output } from '../io.js';

export function schemaCommand(o: Output): number {
  o.out(JSON.stringify(workflowJsonSchema(), null, 2));
  return 0;
}
