/**
 * `hks dev down` leaves the machine as it found it. A second stack with its own node runs beside the
 * test environment's (own slot: node IP, bridge, cgroup root, ports), runs a pod with a CSI volume,
 * and is stopped; afterwards nothing of it is left: no mounts under its run folder, no cgroups, no
 * bridge, no address on lo, no nat chain, no iptables chains that were not there before, no slot claim,
 * and the test environment's node is still Ready.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { nodeLayout } from "../../cli/dev/node-config";
import { cgroupDirs, CLAIM_DIR, iptablesChains, mountsUnder } from "../../cli/dev/node-host";
import { downStack, upStack, type StackInfo } from "../../cli/dev/stack";
import { ensureTools, imagesDir } from "../../cli/dev/tools";
import { busyboxContainer, untilStopped } from "../support/node";
import { waitFor } from "../support/wait";

const main = inject("stack");
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-node-down-"));
let second: StackInfo | undefined;

// This node runs one busybox Pod: it imports only the images that takes (3.5 MB, copied to a folder of
// its own), not the postgres and runner images, a gigabyte to hash and unpack beside the other tests.
const images = fs.mkdtempSync(path.join(os.tmpdir(), "hks-node-down-images-"));
for (const f of ["busybox.tar", "pause.tar"]) fs.copyFileSync(path.join(imagesDir(), f), path.join(images, f));
// Files share a worker's process (isolate: false): vitest's env stub ends with this file (afterAll).
vi.stubEnv("HKS_IMAGES_DIR", images);

const loAddresses = () => execFileSync("ip", ["-4", "-o", "addr", "show", "dev", "lo"], { encoding: "utf8" });

describe("hks dev down with a node", () => {
  afterAll(async () => {
    if (second) await downStack(runDir, () => undefined).catch(() => undefined);
    vi.unstubAllEnvs();
    fs.rmSync(images, { recursive: true, force: true });
  });

  it("runs a second node beside the test environment's, then removes every trace of it", async () => {
    const chainsBefore = new Set(iptablesChains());
    second = await upStack(runDir, ensureTools(), (l) => process.stderr.write(`[second node] ${l}\n`), { node: true });
    const n = second.node!;
    expect(n.slot).not.toBe(main.node!.slot);
    expect(n.nodeIp).not.toBe(main.node!.nodeIp);

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(second.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPersistentVolumeClaim({
      namespace: "default",
      body: {
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "8Mi" } } },
      },
    });
    await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "bb" },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            busyboxContainer("main", {
              command: untilStopped("echo x > /data/x"),
              volumeMounts: [{ name: "d", mountPath: "/data" }],
            }),
          ],
          volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    });
    await waitFor("pod bb Running on the second node", 90_000, async () => {
      const p = await core.readNamespacedPod({ namespace: "default", name: "bb" });
      return p.status?.phase === "Running" ? p : undefined;
    });
    // The node's state folder: in the run folder, or under /var/lib/hks-dev when the run folder's
    // path is too long for its sockets (as here: the run folder is in the tests' temp folder).
    const state = nodeLayout(runDir, n.slot);
    // While it runs, the node's traces exist (so their absence below means something).
    expect(mountsUnder(state.dir).length).toBeGreaterThan(0);
    expect(cgroupDirs(`/hks-dev-${n.slot}`).length).toBeGreaterThan(0);
    expect(fs.existsSync(`/sys/class/net/hksdev${n.slot}`)).toBe(true);
    expect(loAddresses()).toContain(` ${n.nodeIp}/32`);

    const stopped = await downStack(runDir, (l) => process.stderr.write(`[second node] ${l}\n`));
    second = undefined;
    expect(stopped).toEqual(expect.arrayContaining(["kubelet", "containerd", "csi-driver", "node"]));

    expect(mountsUnder(runDir)).toEqual([]);
    expect(mountsUnder(state.dir)).toEqual([]);
    // The node's state (containerd's image store: over 1 GB) is gone; its pod logs stay with the logs
    // in the run folder, and a state folder outside it goes whole.
    if (state.outsideRunDir) expect(fs.existsSync(state.dir)).toBe(false);
    else expect(fs.readdirSync(state.dir).filter((e) => e !== "pod-logs")).toEqual([]);
    expect(cgroupDirs(`/hks-dev-${n.slot}`)).toEqual([]);
    expect(fs.existsSync(`/sys/class/net/hksdev${n.slot}`)).toBe(false);
    expect(loAddresses()).not.toContain(` ${n.nodeIp}/32`);
    expect(fs.existsSync(path.join(CLAIM_DIR, `slot-${n.slot}.json`))).toBe(false);
    // Another stack's node may have started meanwhile (the newcomer's demo runs beside the tests):
    // its own nat chain, named after its slot, is not this node's trace.
    const otherNodes = /^nat\/HKS-DEV-\d+$/;
    const newChains = iptablesChains().filter((c) => !chainsBefore.has(c));
    expect(newChains.filter((c) => !otherNodes.test(c) || c === `nat/HKS-DEV-${n.slot}`)).toEqual([]);
    expect(
      fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
            return cmdline.includes(runDir) || cmdline.includes(`${state.dir}/`);
          } catch {
            return false;
          }
        }),
    ).toEqual([]);

    // The test environment's node did not notice.
    const mkc = new k8s.KubeConfig();
    mkc.loadFromFile(main.kubeconfig);
    const mainNode = await mkc.makeApiClient(k8s.CoreV1Api).readNode({ name: main.node!.name });
    expect(mainNode.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  }, 300_000);
});
