// Turns vitest's JSON report into the final "N passed, N failed[, N skipped]" line and the exit status.
// Without a report (the run was stopped at its time limit) it counts the progress reporter's log instead.
// Usage: test-summary.mjs REPORT_JSON VITEST_EXIT_STATUS EXTRA_FAILURES PROGRESS_TSV
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, vitestStatus, extraFailures, progressPath] = process.argv.slice(2);
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
  const stopped = vitestStatus === '124' || vitestStatus === '137';
  console.error(stopped ? 'test: the run was stopped at its time limit (QUIVER_TEST_LIMIT_S); counting that as a failure'
    : `test: no usable vitest report (${err.message}); counting the run as failed`);
  failed += 1;
  if (progressPath && existsSync(progressPath)) {
    const open = new Set();
    for (const line of readFileSync(progressPath, 'utf8').split('\n')) {
      const [kind, name] = line.split('\t');
      if (kind === 'start') open.add(name);
      else if (kind === 'end') open.delete(name);
      else if (kind === 'passed') passed += 1;
      else if (kind === 'failed') failed += 1;
      else if (kind === 'skipped') skipped += 1;
    }
    for (const name of open) console.error(`test: ${name} never finished`);
  }
}
// vitest also exits non-zero for unhandled errors and runner crashes that no test is blamed for.
if (vitestStatus !== '0' && failed === 0) {
  console.error(`test: vitest exited with status ${vitestStatus} although no test failed; counting that as a failure`);
  failed = 1;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
