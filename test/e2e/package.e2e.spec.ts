/**
 * The npm package as a user gets it: `npm pack` (its `prepack` builds dist/) in a copy of the
 * repository, the tarball installed into a new project outside the repository, then a Pulumi program
 * there (type-checked with the package's declarations, `pulumi up`, the policy pack from the package,
 * `pulumi destroy`) and `npx hks` against the same cluster and MinIO. Nothing of the repository's own
 * node_modules is on the user's PATH or module path.
 */
import * as k8s from "@kubernetes/client-node";
import { execFile, execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stackEnv } from "../../cli/dev/stack";
import { podS3Endpoint } from "../support/node";
import { pulumiProject, type PulumiProject } from "../support/pulumi";

const stack = inject("stack");
const ROOT = path.resolve(__dirname, "../..");
const PROGRAM = path.resolve(__dirname, "../fixtures/programs/package-user");
const runId = crypto.randomBytes(3).toString("hex");
const name = `pkg-${runId}`;
const namespace = `pkg-app-${runId}`;
const pkgVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string })
  .version;
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "hks-package-"));
const userDir = path.join(work, "shop-backups");
let tarball = "";
let packedFiles: string[] = [];
let project: PulumiProject | undefined;

/** The version of a dependency the repository installed, so the user's install hits npm's cache. */
function installedVersion(pkg: string): string {
  return (
    JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }
  ).version;
}

/**
 * The user's environment: the stack's variables, with a PATH that has the tools and Node (the
 * version the project runs on) but not the repository's node_modules/.bin, where `hks` is linked.
 */
function userEnv(): Record<string, string> {
  const env = { ...(process.env as Record<string, string>), ...stackEnv(stack) };
  const nodeDir = path.join(work, "node-bin");
  fs.mkdirSync(nodeDir, { recursive: true });
  if (!fs.existsSync(path.join(nodeDir, "node"))) fs.symlinkSync(process.execPath, path.join(nodeDir, "node"));
  const repoBin = path.join(ROOT, "node_modules", ".bin");
  env.PATH = [nodeDir, ...env.PATH!.split(":").filter((p) => path.resolve(p) !== repoBin)].join(":");
  delete env.NODE_PATH;
  return env;
}

function run(cmd: string, args: string[], cwd: string, env = userEnv()): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`))
        : resolve({ stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  // A copy of the tracked files, so `prepack` (which empties and rebuilds dist/) does not touch the
  // dist/ the other tests run on. Its node_modules links each installed package of the repository.
  const copy = path.join(work, "repo");
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter(Boolean);
  for (const f of tracked) {
    if (!fs.existsSync(path.join(ROOT, f))) continue;
    fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    fs.chmodSync(path.join(copy, f), fs.statSync(path.join(ROOT, f)).mode);
  }
  fs.mkdirSync(path.join(copy, "node_modules"));
  for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
    if (entry === "hks-backup" || entry === ".bin") continue;
    fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(copy, "node_modules", entry));
  }
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], copy);
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  tarball = path.join(work, info.filename);
  packedFiles = info.files.map((f) => f.path);

  // The user's project: the tarball plus what a Pulumi TypeScript project has anyway.
  fs.cpSync(PROGRAM, userDir, { recursive: true });
  const dependencies = { "hks-backup": `file:${tarball}`, "@pulumi/pulumi": installedVersion("@pulumi/pulumi") };
  const devDependencies = Object.fromEntries(
    ["typescript", "ts-node", "@types/node"].map((p) => [p, installedVersion(p)]),
  );
  fs.writeFileSync(
    path.join(userDir, "package.json"),
    JSON.stringify({ name: "shop-backups", private: true, dependencies, devDependencies }, null, 2),
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], userDir);

  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: "shop-config" }, data: { tier: "gold" } },
  });
}, 900_000);

afterAll(async () => {
  await project?.dispose();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
});

describe("the npm package, installed from its tarball outside the repository", () => {
  it("ships the compiled code its prepack built, and no sources of the repository's tooling", () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining(["dist/sdk/index.js", "dist/sdk/index.d.ts", "dist/cli/main.js"]),
    );
    expect(packedFiles.filter((f) => /^(test|bench|scripts|examples)\/|\.map$/.test(f))).toEqual([]);
    const installed = path.join(userDir, "node_modules", "hks-backup");
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(installed, "dist", "provider", "index.js"))).toBe(true);
  });

  it("loads the Kubernetes client from its one-file build in the provider's process", async () => {
    const installed = path.join(userDir, "node_modules", "hks-backup");
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "dist", "vendor", "manifest.json"), "utf8")) as {
      bundles: Record<string, { version: string; file: string }>;
    };
    const bundled = manifest.bundles["@kubernetes/client-node"]!;
    const script = 'require("hks-backup/provider"); console.log(require.resolve("@kubernetes/client-node"))';
    const { stdout } = await run(process.execPath, ["-e", script], userDir);
    const inUse = JSON.parse(
      fs.readFileSync(path.join(userDir, "node_modules", "@kubernetes", "client-node", "package.json"), "utf8"),
    ) as { version: string };
    // The bundle stands in only for the version it was built from; another version loads as usual.
    if (inUse.version === bundled.version)
      expect(stdout.trim()).toBe(path.join(installed, "dist", "vendor", bundled.file));
    else expect(stdout.trim()).toContain(path.join("node_modules", "@kubernetes", "client-node"));
  });

  it("type-checks a strict program against the package's declarations", async () => {
    await run(path.join(userDir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], userDir);
    // A wrong field is caught by the declarations, naming it.
    const bad = fs.readFileSync(path.join(userDir, "index.ts"), "utf8").replace("retention: {", "retentoin: {");
    fs.writeFileSync(path.join(userDir, "bad.ts"), bad);
    const err = await run(
      path.join(userDir, "node_modules", ".bin", "tsc"),
      ["--noEmit", "--strict", "bad.ts"],
      userDir,
    ).then(
      () => "",
      (e: Error) => e.message,
    );
    fs.rmSync(path.join(userDir, "bad.ts"));
    expect(err).toMatch(/retentoin/);
  });

  it("runs `pulumi up` with the policy pack from the package, then `npx hks` finds the backup", async () => {
    const env = userEnv();
    project = await pulumiProject(userDir, { PATH: env.PATH! }, { inPlace: true });
    await project.setConfig("name", name);
    await project.setConfig("namespace", namespace);
    await project.setConfig("s3Endpoint", podS3Endpoint(stack));
    await project.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
    await project.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
    const pack = path.join(userDir, "node_modules", "hks-backup", "policy", "pack", "run");
    const up = await project.run(["up", "--yes", "--skip-preview", "--policy-pack", pack]);
    // The pack ran: its advisory rule notes that this plan has no restore drill.
    expect(up.stdout).toContain("hks-restore-drills");

    const o = await project.outputs();
    expect(o.phase).toBe("Completed");
    expect(o.items).toBeGreaterThanOrEqual(2); // shop-config, kube-root-ca.crt, the namespace
    expect(fs.realpathSync(String(o.loadedFrom)).startsWith(fs.realpathSync(userDir))).toBe(true);
    expect(o.cronJob).toBe(`hks-plan-${name}`);

    const npx = (args: string[]) => run("npx", ["--no-install", "hks", ...args], userDir, env);
    expect((await npx(["--version"])).stdout.trim()).toBe(pkgVersion);
    const list = await npx(["backup", "list", "--storage-location", name, "--plan", name]);
    expect(list.stdout).toContain(String(o.backupName));
    expect(list.stdout).toMatch(/Completed/);
    // The only `hks` npx can find is the package's own bin (the repository's is not on PATH).
    expect(fs.realpathSync(path.join(userDir, "node_modules", ".bin", "hks"))).toBe(
      fs.realpathSync(path.join(userDir, "node_modules", "hks-backup", "bin", "hks.js")),
    );

    await project.destroy();
    expect(
      await core.readNamespacedConfigMap({ name: `hks-location-${name}`, namespace: "hks-system" }).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });
});
