/**
 * The tool build numbers its steps up front: a cold build must not print `[4/4]` and then `[5/5]`.
 * Runs `scripts/test-infra/build.sh base` against a temporary tools folder where two tools are missing
 * (the first and the fifth of seven steps, in two different lanes), with a stand-in `go` that "builds"
 * by creating the output file.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-build-steps-"));

/** A `go` that answers `mod download -json` with `{}` and makes the `-o` file of a `build`. */
const FAKE_GO = `#!/bin/sh
case "$1" in
  build)
    while [ $# -gt 0 ]; do
      if [ "$1" = "-o" ]; then printf '#!/bin/sh\\necho fake\\n' > "$2"; chmod 755 "$2"; fi
      shift
    done ;;
  mod) [ "$2" = "download" ] && echo '{}' ;;
esac
exit 0
`;

function fakeTools(): { bin: string; pathDir: string } {
  const bin = path.join(tmp, "tools");
  const k8sProvider = path.join(tmp, "k8s-provider");
  fs.mkdirSync(k8sProvider);
  fs.writeFileSync(path.join(k8sProvider, "pulumi-resource-kubernetes"), "#!/bin/sh\necho fake\n", { mode: 0o755 });
  const pathDir = path.join(tmp, "path");
  fs.mkdirSync(path.join(bin, "crds"), { recursive: true });
  fs.mkdirSync(pathDir);
  for (const t of ["kube-apiserver", "kube-controller-manager", "minio", "pulumi", "pulumi-resource-pulumi-nodejs"]) {
    fs.writeFileSync(path.join(bin, t), "#!/bin/sh\necho fake\n", { mode: 0o755 });
  }
  fs.writeFileSync(path.join(bin, "crds", "snapshot.storage.k8s.io_volumesnapshots.yaml"), "");
  fs.writeFileSync(path.join(pathDir, "go"), FAKE_GO, { mode: 0o755 });
  return { bin, pathDir };
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runBuild(bin: string, pathDir: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [path.join(root, "scripts/test-infra/build.sh"), "base"], {
    env: {
      ...process.env,
      HKS_TOOLS_DIR: bin,
      HKS_NODE_TOOLS_DIR: path.join(tmp, "node-tools"),
      HKS_K8S_PROVIDER_DIR: path.join(tmp, "k8s-provider"),
      HKS_BUILD_LOGS: path.join(tmp, "logs"),
      // As `npm test` runs it: the Kubernetes provider plugin is one of the steps.
      HKS_PULUMI_PLUGINS: "1",
      PATH: `${pathDir}${path.delimiter}${process.env.PATH ?? ""}`,
    },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("scripts/test-infra/build.sh step counter", () => {
  it("counts every step up front: [1/7] for the first, [5/7] for the fifth, the same total throughout", () => {
    const { bin, pathDir } = fakeTools();
    const first = runBuild(bin, pathDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split("\n").at(-1)).toBe(bin);
    expect(first.stderr).toContain("2 of 7 steps to build");
    // The lanes run side by side, so lines of different steps interleave: compare each step's lines.
    const lines = [...first.stderr.matchAll(/\[(\d+)\/(\d+)\] ([^\n]*)/g)].map((m) => `${m[1]}/${m[2]} ${m[3]}`);
    const built = (n: number, title: string) => [
      `${n}/7 ${title} ...`,
      expect.stringMatching(`^${n}/7 ${title}: built in `),
    ];
    expect(lines.filter((l) => l.startsWith("1/7"))).toEqual(built(1, "etcd v3.6.16"));
    expect(lines.filter((l) => l.startsWith("5/7"))).toEqual(built(5, "pulumi-language-nodejs"));
    for (const n of [2, 3, 4, 6, 7])
      expect(lines.filter((l) => l.startsWith(`${n}/7`))).toEqual([expect.stringMatching(/: cached$/)]);
    expect(lines).toHaveLength(9);
    expect(first.stdout).toContain(
      `kubernetes-provider=${path.join(tmp, "k8s-provider", "pulumi-resource-kubernetes")}\n`,
    );
    // Everything is there now: a second run builds nothing and prints no counter.
    const second = runBuild(bin, pathDir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/\[\d+\/\d+\]/);
  });
});

describe("scripts/test-infra/build.sh Kubernetes provider plugin", () => {
  it("builds the plugin version that package.json pins @pulumi/kubernetes to (the version Pulumi asks for)", () => {
    const script = fs.readFileSync(path.join(root, "scripts/test-infra/build.sh"), "utf8");
    const built = /^K8S_PROVIDER_VERSION=\$\{K8S_PROVIDER_VERSION:-([0-9.]+)\}$/m.exec(script)?.[1];
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
    expect(built).toBeDefined();
    expect(pkg.devDependencies["@pulumi/kubernetes"]).toBe(built);
    expect(lock.packages["node_modules/@pulumi/kubernetes"].version).toBe(built);
  });
});
