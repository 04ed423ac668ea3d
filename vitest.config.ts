import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'text'],
      // Coverage prints whenever tests run, a failed run included (vitest skips it on failure by default).
      reportOnFailure: true,
      // The pure layers carry the orchestration logic; the spec asks for 95%+ coverage of it.
      include: ['src/spec/**/*.ts', 'src/plan/**/*.ts', 'src/core/**/*.ts', 'src/errors/**/*.ts'],
      thresholds: { lines: 95 },
    },
  },
});
