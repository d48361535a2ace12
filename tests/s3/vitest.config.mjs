// Vitest for the upload-dedup demo on S3 (tests/s3/*.test.js): run by
// scripts/ci/70-s3.sh once RGW is up (scripts/s3/rgw.sh). One file at a time:
// the tests share one RGW and start server processes of their own.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/s3/**/*.test.js'],
    testTimeout: 120000,
    hookTimeout: 60000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
