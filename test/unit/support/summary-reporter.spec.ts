import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TestModule } from "vitest/node";
import SummaryReporter from "../../support/summary-reporter";

type State = "passed" | "failed" | "skipped" | "pending";

/** The parts of a vitest TestModule the reporter reads. */
function fakeModule(moduleState: State, testStates: State[]): TestModule {
  return {
    state: () => moduleState,
    children: { allTests: () => testStates.map((state) => ({ result: () => ({ state }) })) },
  } as unknown as TestModule;
}

function closingLine(modules: TestModule[], unhandled: unknown[] = []): { line: string; totals: string } {
  const totals = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hks-summary-")), "totals");
  vi.stubEnv("HKS_TEST_TOTALS", totals);
  const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  new SummaryReporter().onTestRunEnd(modules, unhandled);
  const line = String(write.mock.calls[0]?.[0] ?? "").trim();
  write.mockRestore();
  const saved = fs.readFileSync(totals, "utf8").trim();
  fs.rmSync(path.dirname(totals), { recursive: true });
  return { line, totals: saved };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the closing summary line", () => {
  it("counts tests by their result", () => {
    const r = closingLine([
      fakeModule("passed", ["passed", "passed", "skipped"]),
      fakeModule("failed", ["failed", "passed"]),
    ]);
    expect(r.line).toBe("3 passed, 1 failed, 1 skipped");
    expect(r.totals).toBe("3 1 1 0");
  });

  it("counts a file that failed with no failing test (an import error, a failing beforeAll) as a failure", () => {
    expect(closingLine([fakeModule("failed", ["skipped"])]).line).toBe("0 passed, 1 failed, 1 skipped");
    expect(closingLine([fakeModule("failed", [])]).line).toBe("0 passed, 1 failed, 0 skipped");
  });

  it("names unhandled errors, which fail a run whose tests all passed", () => {
    const r = closingLine([fakeModule("passed", ["passed"])], [new Error("x"), new Error("y")]);
    expect(r.line).toBe("1 passed, 0 failed, 0 skipped, 2 unhandled errors");
    expect(r.totals).toBe("1 0 0 2");
  });
});
