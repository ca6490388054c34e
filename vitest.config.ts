import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['sdk/**/*.test.ts', 'collector/**/*.test.ts', 'examples/**/*.test.ts', '*.test.ts'],
    environment: 'node',
    testTimeout: 15_000,
  },
});
