/**
 * The local node's images are named in three places that must agree: the build
 * (scripts/test-infra/images.sh), the node's sandbox and workload images (cli/dev/node-config.ts,
 * which the sample app and the tests' pods use) and a BackupPlan's default runner image
 * (provider/plan/plan-runner.ts), which the runner image is tagged with so a plan on the local
 * environment needs no image setting.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LOCAL_IMAGES, SANDBOX_IMAGE } from "../../../cli/dev/node-config";
import { sampleAppObjects } from "../../../cli/dev/sample-app";
import { defaultRunnerImage, RUNNER_IMAGE_REPOSITORY } from "../../../provider/plan/plan-runner";

const root = path.resolve(__dirname, "../../..");
// Continuation lines folded.
const script = fs.readFileSync(path.join(root, "scripts/test-infra/images.sh"), "utf8").replace(/\\\n\s*/g, " ");
/** `build <name> <image> <key> <tarball> <function>` lines of the script: image → tarball. */
const built = new Map(
  [...script.matchAll(/^build (\S+) (\S+|"[^"]+") .* (\S+\.tar|--) (\w+)$/gm)].map((m) => [
    m[2]!.replace(/"/g, ""),
    m[3]!,
  ]),
);

describe("local node images", () => {
  it("every image the node and the tests use is built and exported as a tarball", () => {
    for (const image of [SANDBOX_IMAGE, LOCAL_IMAGES.busybox, LOCAL_IMAGES.postgres]) {
      expect(built.get(image), image).toMatch(/\.tar$/);
    }
  });
  it("the sample app (hks dev sample-app, npm run demo) runs only images the node has, never pulling", () => {
    const containers = sampleAppObjects("ns").flatMap(
      (o) =>
        (o as { spec?: { template?: { spec?: { containers?: { image: string }[] } } } }).spec?.template?.spec
          ?.containers ?? [],
    );
    expect(containers.length).toBeGreaterThan(1);
    for (const c of containers) expect(built.get(c.image), c.image).toMatch(/\.tar$/);
  });
  it("the runner is tagged as a BackupPlan's default image for this package version", () => {
    expect(built.get(`${RUNNER_IMAGE_REPOSITORY}:$VERSION`)).toBe("runner.tar");
    expect(script).toMatch(/^VERSION=\$\(node -p 'require\("\.\/package\.json"\)\.version'/m);
    const version = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string })
      .version;
    expect(defaultRunnerImage()).toBe(`${RUNNER_IMAGE_REPOSITORY}:${version}`);
  });
  it("the runner is the repository's Dockerfile on the local base, given as its BASE_IMAGE", () => {
    expect(script).toMatch(
      /--build-arg BASE_IMAGE=localhost\/hks-dev\/node:24-slim .*-f "\$ROOT\/Dockerfile" "\$ROOT"/,
    );
    expect(built.get("localhost/hks-dev/node:24-slim")).toBe("--");
  });
  it("each image definition the script copies exists", () => {
    for (const m of script.matchAll(/\$DEF\/(\w[\w-]*)\/(?:\{([^}]+)\}|(\w[\w.]*))/g)) {
      for (const f of (m[2] ?? m[3]!).split(","))
        expect(fs.existsSync(path.join(root, "test/images", m[1]!, f)), `${m[1]}/${f}`).toBe(true);
    }
  });
});
