import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Most test files wait on child processes (the bins, fake sbatch/squeue) and local servers, not
    // on the CPU: with one fork per core (2 on CI) the suite used 5.4 min of CPU in 5.1 min of wall
    // time; with 4 forks, 176 s instead of 307 s on the same idle 2-core machine, all green under
    // load too. No test depends on timing, so more forks than cores only overlap the waits.
    maxWorkers: 4,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
