// The conformance suite for plugin authors: Baton's own (src/conformance, built into dist/ and run by
// `baton plugin test`), re-exported here so a test of a plugin's own imports it from the kit.

export * from '../../../src/conformance/index.js';
