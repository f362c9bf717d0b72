// Prints "<passed> <failed>" from a vitest JSON report; a missing report counts as one failure.
import { readFileSync } from 'node:fs';

try {
  const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
  console.log(`${report.numPassedTests} ${failed}`);
} catch {
  console.log('0 1');
}
