// A vitest reporter that appends each finished test and each test file's start and end to
// $QUIVER_TEST_PROGRESS as they happen, so a run stopped by the time limit still counts what finished and
// names the files that never ended.
import { appendFileSync } from 'node:fs';

const file = process.env.QUIVER_TEST_PROGRESS;
const log = (kind, name) => { if (file) appendFileSync(file, `${kind}\t${name.replaceAll('\n', ' ')}\n`); };

export default class ProgressReporter {
  onTestModuleStart(module) { log('start', module.moduleId); }
  onTestModuleEnd(module) { log('end', module.moduleId); }
  onTestCaseResult(test) { log(test.result().state, `${test.module.moduleId} > ${test.fullName}`); }
}
