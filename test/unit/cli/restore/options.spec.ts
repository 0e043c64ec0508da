/** `hks restore create` flags → Restore inputs, checked by the same rules as the resource, named by flag. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseMapping, readIdentities, restoreInputsFromFlags } from "../../../../cli/restore/options";
import { generateIdentity } from "../../../../provider/engine/archive/encrypt";

describe("parseMapping", () => {
  it.each([
    { text: "production:staging", want: { production: "staging" } },
    { text: "a:b, c:d", want: { a: "b", c: "d" } },
    { text: "a:b,", want: { a: "b" } },
  ])("$text", ({ text, want }) => expect(parseMapping(text)).toEqual(want));

  it.each([
    { text: "production", error: /"production" is not source:target/ },
    { text: "a:b:c", error: /"a:b:c" is not source:target/ },
    { text: "a:b,a:c", error: /namespace a is mapped twice/ },
  ])("refuses $text", ({ text, error }) => expect(() => parseMapping(text)).toThrow(error));
});

describe("restoreInputsFromFlags", () => {
  it("builds defaulted inputs", () => {
    const i = restoreInputsFromFlags(
      "r1",
      {
        fromBackup: "b1",
        namespaceMapping: "prod:staging",
        includeResources: "configmaps, deployments.apps",
        selector: "app=web",
      },
      "hks-system",
    );
    expect(i).toMatchObject({
      restoreName: "r1",
      backupName: "b1",
      namespace: "hks-system",
      namespaceMapping: { prod: "staging" },
      includeResources: ["configmaps", "deployments.apps"],
      selector: "app=web",
      existingResourcePolicy: "none",
      restoreVolumes: false,
    });
  });

  it("--from-plan means the plan's newest Completed backup", () => {
    expect(restoreInputsFromFlags("r1", { fromPlan: "db-daily" }, "hks-system")).toMatchObject({
      plan: "db-daily",
      latest: true,
    });
  });

  it.each([
    { name: "no source", flags: {}, error: /^InputError: --from-backup: is required/ },
    {
      name: "bad restore name",
      flags: { fromBackup: "b" },
      restore: "Bad_Name",
      error: /<name>: the restore name "Bad_Name" is not a DNS-1123 name/,
    },
    {
      name: "bad policy",
      flags: { fromBackup: "b", existingResourcePolicy: "overwrite" },
      error: /--existing-resource-policy: must be one of "none", "update"/,
    },
    {
      name: "bad mapping target",
      flags: { fromBackup: "b", namespaceMapping: "prod:Staging" },
      error: /--namespace-mapping \(prod\): the target namespace must be a DNS-1123 label/,
    },
    {
      name: "bad resource",
      flags: { fromBackup: "b", excludeResources: "Secret" },
      error: /^InputError: --exclude-resources, entry 1: must be a lowercase plural resource/,
    },
    {
      name: "two problems at once",
      flags: { fromBackup: "B", selector: "a=," },
      error: /flags: \n {2}--from-backup: .*\n {2}--selector: /,
    },
  ])("refuses $name, naming the flag", ({ flags, restore, error }) => {
    expect(() => restoreInputsFromFlags(restore ?? "r1", flags, "hks-system")).toThrow(error);
  });
});

describe("readIdentities", () => {
  it("reads an identity file as age -i does (comments, CRLF), or HKS_AGE_IDENTITY, or nothing", async () => {
    const { identity } = await generateIdentity();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-id-"));
    try {
      const file = path.join(dir, "key.txt");
      fs.writeFileSync(file, `# created: now\r\n# public key: age1...\r\n${identity}\r\n`);
      expect(readIdentities(file, {}).identities).toEqual([identity]);
      expect(readIdentities(undefined, { HKS_AGE_IDENTITY: identity }).identities).toEqual([identity]);
      expect(readIdentities(undefined, {})).toEqual({ identities: [] });
      expect(() => readIdentities(path.join(dir, "missing.txt"), {})).toThrow(
        /--identity-file: cannot read .*missing.txt: ENOENT/,
      );
      fs.writeFileSync(file, "age1notanidentity\n");
      expect(() => readIdentities(file, {})).toThrow(/line 1: is not an X25519 age identity/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
