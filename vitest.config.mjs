import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: ['test/infra/roleTraffic.test.ts'],
          // Clears the ARM recordings the end-to-end tests write for the role test.
          globalSetup: ['test/infra/armRecordings.setup.ts'],
          // Explicit, not the default 0: with one worker (2 cores) vitest moves default-order files into a
          // sequential group that runs after every numbered group, which would put the role test first.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // After every other test: it reads what the end-to-end tests recorded in this run.
        extends: true,
        test: {
          name: 'after-e2e',
          include: ['test/infra/roleTraffic.test.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
