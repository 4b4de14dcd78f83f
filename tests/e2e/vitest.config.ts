// Vitest settings for the Playwright end-to-end tests (npm run test:e2e), kept apart from `npm test`:
// they need a built UI and engine, Chromium, and a running `dmus serve`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
