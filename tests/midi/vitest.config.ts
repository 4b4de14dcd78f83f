// Vitest config of the real-MIDI suite (tests/midi, run by `npm run test:midi`, never by `npm test`):
// it needs a JACK server and the JACK build of @julusian/midi, which run-midi-tests.sh provides.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/midi/**/*.jack.ts'],
    environment: 'node',
    testTimeout: 30_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
