import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/bench/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // --expose-gc: the no-allocation tests force a full GC before they measure the heap.
    execArgv: ['--expose-gc'],
  },
});
