/**
 * A stack settings file (Pulumi.<stack>.yaml) made on one machine carries that machine's secrets salt,
 * endpoints and encrypted keys; committed, it breaks `pulumi stack select --create` for everyone else
 * ("incorrect passphrase"). None may be in the repository, and git must ignore new ones.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");
const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" });

describe("stack settings files", () => {
  it("none is tracked, at the root or under examples/", () => {
    const tracked = git("ls-files").split("\n");
    expect(tracked).toContain("Pulumi.yaml");
    expect(tracked.filter((f) => /(^|\/)Pulumi\.[^/]+\.ya?ml$/.test(f))).toEqual([]);
  });
  it.each(["Pulumi.demo.yaml", "examples/quickstart/Pulumi.dev.yaml", "Pulumi.staging.yml"])(
    "git ignores %s",
    (file) => {
      expect(git("check-ignore", "--no-index", file).trim()).toBe(file);
    },
  );
  it("the project files themselves are not ignored", () => {
    expect(() => git("check-ignore", "--no-index", "Pulumi.yaml")).toThrow();
  });
});
