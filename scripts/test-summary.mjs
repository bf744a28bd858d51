// Turns vitest's JSON report into the final "N passed, N failed[, N skipped]" line and the exit status.
// Usage: test-summary.mjs REPORT_JSON VITEST_EXIT_STATUS EXTRA_FAILURES
import { readFileSync } from 'node:fs';

const [reportPath, vitestStatus, extraFailures] = process.argv.slice(2);
let passed = 0;
let failed = Number(extraFailures);
let skipped = 0;

try {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  failed += report.numFailedTests;
  // A file that fails to load or whose hooks throw has no failed test of its own, yet it failed.
  for (const file of report.testResults) {
    if (file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')) {
      const why = file.message ? `: ${file.message.split('\n')[0]}` : ' (see its error above)';
      console.error(`test: ${file.name} failed outside any test${why}`);
      failed += 1;
    }
  }
} catch (err) {
  console.error(`test: no usable vitest report (${err.message}); counting the run as failed`);
  failed += 1;
}
// vitest also exits non-zero for unhandled errors and runner crashes that no test is blamed for.
if (vitestStatus !== '0' && failed === 0) {
  console.error(`test: vitest exited with status ${vitestStatus} although no test failed; counting that as a failure`);
  failed = 1;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
