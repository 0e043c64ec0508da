/**
 * Prints one plain closing line, `N passed, N failed, N skipped` (and `, N unhandled errors` when
 * there are any: they fail the run though every test passed), after vitest's own summary, so that CI
 * logs and tools that read the last line see the totals without colour codes.
 */
import * as fs from "node:fs";
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else skipped++;
      }
      // A file that failed with no failing test (an import error, a failing beforeAll: its tests show
      // as skipped) counts as one failure, or the line would read "0 failed" for a red run.
      failed += m.state() === "failed" && failedHere === 0 ? 1 : failedHere;
    }
    const errors = unhandledErrors.length;
    const errorPart = errors > 0 ? `, ${errors} unhandled error${errors === 1 ? "" : "s"}` : "";
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped${errorPart}\n`);
    // scripts/test.sh runs vitest more than once and prints the sum of these as the last line.
    const totals = process.env.HKS_TEST_TOTALS;
    if (totals) fs.appendFileSync(totals, `${passed} ${failed} ${skipped} ${errors}\n`);
  }
}
