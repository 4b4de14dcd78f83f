import { defineConfig } from 'vitest/config';

/**
 * The files whose tests measure allocation with V8's sampling heap profiler
 * (tests/helpers/no-alloc.ts). They run with --no-concurrent-recompilation: V8 then optimises a
 * hot function at once, on the test's thread, instead of on a background thread that a loaded
 * machine (the suite in parallel, CI) can starve for seconds, and the measurement sees optimised
 * code, not the less optimised tiers boxing doubles meanwhile. Only these: a real-time test's
 * render worker would inherit the flag and stall on each synchronous compilation.
 */
const NO_ALLOC = [
  'tests/engine/sink/render-loop.test.ts',
  'tests/engine/sink/render-thread-pool.test.ts',
  'tests/engine/sink/wave-sink.test.ts',
  'tests/engine/sink/spsc-ring.test.ts',
  'tests/engine/synth/effects/no-alloc.test.ts',
  'tests/engine/dmus/pipeline.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // Projects extend this config and arrays merge, so include, exclude and execArgv are set in
    // each project alone.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
          exclude: ['tests/bench/**', 'node_modules/**', 'dist/**', ...NO_ALLOC],
        },
      },
      { extends: true, test: { name: 'no-alloc', include: NO_ALLOC, execArgv: ['--no-concurrent-recompilation'] } },
    ],
  },
});
