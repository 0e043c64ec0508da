/** `hks volume-data` flags: each bad value is an InputError naming its flag, before anything runs. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { backupFlag, concurrencyFlag, directoryFlag, parsePvcFlag } from "../../../../cli/volume-data/flags";
import { main } from "../../../../cli/main";
import { byteRateProgress } from "../../../../provider/engine/progress";
import { inputError } from "../../../support/input-error";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-test-vd-flags-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("parsePvcFlag", () => {
  it("takes <namespace>/<name>", () => {
    expect(parsePvcFlag("production/pg-data")).toEqual({ namespace: "production", pvc: "pg-data" });
  });
  it.each([undefined, "", "data", "a/b/c", "/data", "Prod/data", "prod/Data_1"])("refuses %j naming --pvc", (v) => {
    expect(inputError(() => parsePvcFlag(v)).field).toBe("--pvc");
  });
});

describe("the other flags", () => {
  it.each([
    { name: "backup name", call: () => backupFlag("Bad_Name"), field: "--backup" },
    { name: "missing backup", call: () => backupFlag(undefined), field: "--backup" },
    { name: "missing directory", call: () => directoryFlag("--source", path.join(dir, "nope")), field: "--source" },
    { name: "a file, not a directory", call: () => directoryFlag("--target", __filename), field: "--target" },
    { name: "concurrency 0", call: () => concurrencyFlag("0"), field: "--concurrency" },
    { name: "concurrency text", call: () => concurrencyFlag("many"), field: "--concurrency" },
  ])("refuses a $name naming $field", ({ call, field }) => {
    expect(inputError(call).field).toBe(field);
  });
  it("accepts good values", () => {
    expect(directoryFlag("--source", dir)).toBe(dir);
    expect(concurrencyFlag("8")).toBe(8);
    expect(concurrencyFlag(undefined)).toBeUndefined();
    expect(backupFlag("b-1")).toBe("b-1");
  });
});

describe("hks volume-data push (in process)", () => {
  it("names the bad flag and exits 1 before it looks for a cluster or a location", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const base = ["volume-data", "push", "--backup", "b1", "--storage-location", "loc"];
      const code = await main([...base, "--pvc", "prod/data", "--source", path.join(dir, "missing")]);
      expect(code).toBe(1);
      expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(/--source: cannot use .*missing \(ENOENT\)/);
      err.mockClear();
      expect(await main([...base, "--pvc", "data", "--source", dir])).toBe(1);
      expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(/--pvc: "data" is not <namespace>\/<name>/);
    } finally {
      err.mockRestore();
    }
  });
  it("is hidden from hks --help", async () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await main(["--help"]);
      const help = out.mock.calls.map((c) => String(c[0])).join("");
      expect(help).toContain("backup");
      expect(help).not.toContain("volume-data");
    } finally {
      out.mockRestore();
    }
  });
});

describe("byteRateProgress", () => {
  it("prints done/total and the rate since the last line, at most every 2 s, and always the last", () => {
    let t = 0;
    const lines: string[] = [];
    const p = byteRateProgress(
      (l) => lines.push(l),
      2000,
      () => t,
    );
    const MiB = 1024 * 1024;
    t = 1000;
    p(10 * MiB, 100 * MiB); // too soon
    t = 2000;
    p(20 * MiB, 100 * MiB);
    t = 3000;
    p(30 * MiB, 100 * MiB); // too soon
    t = 4000;
    p(60 * MiB, 100 * MiB);
    t = 4500;
    p(100 * MiB, 100 * MiB); // the last
    p(100 * MiB, 100 * MiB); // nothing after the last
    expect(lines).toEqual([
      "20.0 MiB / 100 MiB, 10.0 MiB/s",
      "60.0 MiB / 100 MiB, 20.0 MiB/s",
      "100 MiB / 100 MiB, 80.0 MiB/s",
    ]);
  });
});
