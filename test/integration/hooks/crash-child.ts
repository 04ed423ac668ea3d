// A Baton process for the kill -9 test: opens the app in a data dir, starts the workflow in a JSON file,
// prints the run id and keeps running until it is killed.
import { readFileSync } from 'node:fs';
import { openApp } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { Workflow } from '../../../src/spec/schema.js';

const [dataDir, wfFile] = process.argv.slice(2) as [string, string];
const app = await openApp({ dataDir, adapterFor: () => inProcessAdapter(({ input }) => input) });
const run = await app.engine.start(Workflow.parse(JSON.parse(readFileSync(wfFile, 'utf8'))), {});
await run.whenCreated();
process.stdout.write(`${run.runId}\n`);
setInterval(() => undefined, 1 << 30);
