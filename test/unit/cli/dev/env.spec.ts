import { describe, expect, it } from "vitest";
import { usageHint } from "../../../../cli/dev/run-dir";
import { devPath } from "../../../../cli/dev/stack";

describe("hks dev env: PATH", () => {
  const nodeBin = "/src/hks/node_modules/.bin";
  const tools = "/home/u/.cache/hks-backup/tools/k8s";

  it("drops what npx put in front of the user's PATH and keeps the user's own entries in order", () => {
    // What `npx hks dev env` sees: npm's _npx cache, every node_modules/.bin up the tree, node-gyp-bin.
    const viaNpx = [
      "/home/u/.npm/_npx/1415fee72ff6294b/node_modules/.bin",
      "/src/hks/node_modules/.bin",
      "/src/node_modules/.bin",
      "/node_modules/.bin",
      "/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin",
      "/home/u/bin",
      "/usr/local/bin",
      "/usr/bin",
    ].join(":");
    expect(devPath(nodeBin, tools, viaNpx)).toBe(`${nodeBin}:${tools}:/home/u/bin:/usr/local/bin:/usr/bin`);
  });

  it("gives the same PATH when its output is evaluated twice", () => {
    const once = devPath(nodeBin, tools, "/usr/bin:/bin");
    expect(devPath(nodeBin, tools, once)).toBe(once);
  });
});

describe("hks dev up: how to use the stack", () => {
  it("names the run folder in the env and down commands when it is not the default", () => {
    expect(usageHint("/tmp/x/dev", "/src/hks/.hks/dev")).toBe(
      '  use it in this shell:  eval "$(npx hks dev env --dir /tmp/x/dev)"     ' +
        "stop it:  npx hks dev down --dir /tmp/x/dev",
    );
  });

  it("quotes a folder with spaces or quotes for the shell", () => {
    expect(usageHint("/tmp/my dev", "/d")).toContain(`npx hks dev env --dir '/tmp/my dev'`);
    expect(usageHint("/tmp/it's", "/d")).toContain(`--dir '/tmp/it'\\''s'`);
  });

  it("leaves --dir out for the default folder", () => {
    expect(usageHint("/src/hks/.hks/dev/", "/src/hks/.hks/dev")).toBe(
      '  use it in this shell:  eval "$(npx hks dev env)"     stop it:  npx hks dev down',
    );
  });
});
