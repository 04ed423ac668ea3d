import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'text'],
      // The pure layers carry the orchestration logic; the spec asks for 95%+ coverage of it.
      include: ['src/spec/**/*.ts', 'src/plan/**/*.ts', 'src/core/**/*.ts', 'src/errors/**/*.ts'],
      thresholds: { lines: 95 },
    },
  },
});
