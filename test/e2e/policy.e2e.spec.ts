/**
 * The policy pack through the real CLI: `pulumi preview --policy-pack policy/pack/run` passes a
 * compliant example and fails a violating program with each policy's message.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { pulumiProject } from "../support/pulumi";

const ROOT = path.resolve(__dirname, "../..");
const PACK = path.join(ROOT, "policy", "pack", "run");

describe("policy pack", () => {
  it("passes the seed's production-db-daily example (advisories may be printed)", async () => {
    const p = await pulumiProject(
      path.join(ROOT, "examples", "production-db-daily"),
      {},
      { copyRoot: path.join(ROOT, "examples") },
    );
    try {
      await p.setConfig("s3Endpoint", "http://127.0.0.1:9");
      const r = await p.run(["preview", "--policy-pack", PACK]);
      expect(r.stdout).toMatch(/Policies:|hks-backup/);
      expect(r.stdout).not.toMatch(/\[mandatory\]/);
    } finally {
      await p.dispose();
    }
  });

  it("fails a violating program with every mandatory policy's message", async () => {
    const p = await pulumiProject(path.join(ROOT, "test", "fixtures", "programs", "policy-violations"));
    try {
      const r = await p.run(["preview", "--policy-pack", PACK], { allowFailure: true });
      const out = r.stdout + r.stderr;
      expect(r.code).not.toBe(0);
      expect(out).toMatch(/\[mandatory\]\s+hks-location-encryption/);
      expect(out).toMatch(/stores backups unencrypted: set encryption\.recipients/);
      expect(out).toMatch(/\[mandatory\]\s+hks-retention-minimum/);
      expect(out).toMatch(/keeps 3 daily backup\(s\); policy requires at least 7/);
      expect(out).toMatch(/\[mandatory\]\s+hks-schedule/);
      expect(out).toMatch(/runs every 5 minute\(s\)/);
      expect(out).toMatch(/\[mandatory\]\s+hks-protected-namespaces/);
      expect(out).toMatch(/writes into protected namespace "production"/);
      // Advisories are printed too, without failing on their own.
      expect(out).toMatch(/\[advisory\]\s+hks-verified-backups/);
      expect(out).toMatch(/never reads its backups back: set verifyAfterBackup: true/);
    } finally {
      await p.dispose();
    }
  });

  it("takes a pack config: a stricter minimum interval turns the daily example into a violation", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const cfgFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hks-policy-")), "policy-config.json");
    fs.writeFileSync(cfgFile, JSON.stringify({ "hks-schedule": { minIntervalMinutes: 2880 } }));
    const p = await pulumiProject(
      path.join(ROOT, "examples", "production-db-daily"),
      {},
      { copyRoot: path.join(ROOT, "examples") },
    );
    try {
      await p.setConfig("s3Endpoint", "http://127.0.0.1:9");
      const r = await p.run(["preview", "--policy-pack", PACK, "--policy-pack-config", cfgFile], {
        allowFailure: true,
      });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/policy allows at most one run per 2880 minutes/);
    } finally {
      await p.dispose();
    }
  });
});
