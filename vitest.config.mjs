import { defineConfig } from 'vitest/config';

/**
 * The fast tier: pure code and in-process tests that need no simulator, dev host or child process.
 * `npm run test:fast` runs it alone; `npm test` runs it and the slow tier.
 */
const fastTier = [
  'test/unit/**/*.test.ts',
  'test/repo/**/*.test.ts',
  'test/dev/**/*.test.ts',
  'test/cli/render.test.ts',
  'test/cli/main.test.ts',
  'test/host/routeTemplate.test.ts',
  'test/host/schedule.test.ts',
  'test/host/durable/protocolCases.test.ts',
  'test/host/durable/episodeCommit.test.ts',
  'test/infra/appSettings.test.ts',
  'test/infra/azureYaml.test.ts',
  'test/infra/funcignore.test.ts',
  'test/soak/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
];

/** Reads what the end-to-end tests recorded in the same run, so it runs after both tiers. */
const afterEndToEnd = ['test/infra/roleTraffic.test.ts'];

// Group orders are explicit, not the default 0: with one worker (2 cores) vitest moves default-order files
// into a sequential group that runs after every numbered group, which would put the role test first.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    restoreMocks: true,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      // Measured on the whole suite (69.6 % statements, 65.9 % branches, 79.2 % functions, 68.9 % lines, counting
      // only code the test processes run from src/; the app run from dist/ by child processes is not counted).
      // A drop below these fails `npm test`.
      thresholds: { statements: 66, branches: 62, functions: 76, lines: 65 },
    },
    projects: [
      { extends: true, test: { name: 'fast', include: fastTier, sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: {
          name: 'slow',
          include: ['test/**/*.test.ts'],
          exclude: [...fastTier, ...afterEndToEnd],
          sequence: { groupOrder: 1 },
          // Clears the ARM recordings the end-to-end tests write for the role test.
          globalSetup: ['test/infra/armRecordings.setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'after-e2e', include: afterEndToEnd, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
