import { defineConfig } from 'vitest/config';

// Tests that need what `npm test` must not: the Bicep compiler's output (npm run infra:check) or the
// deployment package (npm run test:package).
export default defineConfig({
  test: {
    include: ['test/infra/**/*.check.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
