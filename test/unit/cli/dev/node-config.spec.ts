import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { cniConfig, containerdConfig, kubeletConfig, nodeLayout, SANDBOX_IMAGE } from "../../../../cli/dev/node-config";
import { parseBuildOutput } from "../../../../cli/dev/tools";

describe("local node configuration", () => {
  const l = nodeLayout("/tmp/run", 7);

  it("derives every machine-visible name and address from the slot, and state paths from the run folder", () => {
    expect(l).toMatchObject({
      name: "hks-dev-7",
      nodeIp: "10.254.254.7",
      podSubnet: "10.244.7.0/24",
      gateway: "10.244.7.1",
      bridge: "hksdev7",
      cgroupRoot: "/hks-dev-7",
      natChain: "HKS-DEV-7",
      containerdSock: "/tmp/run/node/containerd.sock",
      kubeletRoot: "/tmp/run/node/kubelet",
    });
    expect(nodeLayout("/tmp/run", 250).bridge.length).toBeLessThanOrEqual(15); // Linux interface name limit
    expect(() => nodeLayout("/tmp/run", 0)).toThrow("node slot must be 1-250, got 0");
    expect(() => nodeLayout("/tmp/run", 251)).toThrow("node slot must be 1-250, got 251");
  });

  it("keeps the node's state in the run folder, or in /var/lib/hks-dev/node-<slot> when sockets there would be too long", () => {
    expect(l).toMatchObject({ dir: "/tmp/run/node", outsideRunDir: false });
    const deep = `/home/alice/src/github.com/some-org/${"x".repeat(30)}/hks-backup/.hks/dev`;
    const far = nodeLayout(deep, 7);
    expect(far).toMatchObject({
      dir: "/var/lib/hks-dev/node-7",
      outsideRunDir: true,
      containerdSock: "/var/lib/hks-dev/node-7/containerd.sock",
      kubeletRoot: "/var/lib/hks-dev/node-7/kubelet",
    });
    // The limit is the deepest socket, the CSI driver's registration in the kubelet's plugins_registry.
    for (const layout of [l, far])
      expect(`${layout.kubeletRoot}/plugins_registry/hostpath.csi.hks.dev-reg.sock`.length).toBeLessThanOrEqual(100);
  });

  it("kubelet: per-stack ports and cgroup root, cgroup v1 allowed, webhook auth, no iptables util chains, images never collected", () => {
    const cfg = YAML.parse(kubeletConfig(l, "/tmp/run/pki/ca.crt", { port: 41000, healthzPort: 41001 }));
    expect(cfg).toMatchObject({
      kind: "KubeletConfiguration",
      address: "10.254.254.7",
      port: 41000,
      healthzPort: 41001,
      readOnlyPort: 0,
      cgroupRoot: "/hks-dev-7",
      cgroupDriver: "cgroupfs",
      failCgroupV1: false,
      makeIPTablesUtilChains: false,
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: "/tmp/run/pki/ca.crt" },
      },
      authorization: { mode: "Webhook" },
      containerRuntimeEndpoint: "unix:///tmp/run/node/containerd.sock",
      podLogsDir: "/tmp/run/node/pod-logs",
    });
  });

  it("containerd: state under the run folder, oom_score_adj restricted, cgroupfs, the local pause image", () => {
    const toml = containerdConfig(l);
    expect(toml).toContain('root = "/tmp/run/node/containerd/root"');
    expect(toml).toContain('address = "/tmp/run/node/containerd.sock"');
    expect(toml).toContain("restrict_oom_score_adj = true");
    expect(toml).toContain("SystemdCgroup = false");
    expect(toml).toContain(`sandbox_image = "${SANDBOX_IMAGE}"`);
    expect(toml).toContain('conf_dir = "/tmp/run/node/cni"');
  });

  it("CNI: the slot's bridge and subnet, addresses kept in the run folder, no masquerading", () => {
    const net = JSON.parse(cniConfig(l));
    expect(net.name).toBe("hks-dev-7");
    expect(net.plugins[0]).toMatchObject({
      type: "bridge",
      bridge: "hksdev7",
      ipMasq: false,
      isGateway: true,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.244.7.0/24", gateway: "10.244.7.1" }]],
        dataDir: "/tmp/run/node/cni-ipam",
      },
    });
    expect(net.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge", "portmap"]);
  });
});

describe("build.sh output", () => {
  it("reads the node tools and the CSI driver, and the base folder from the last line", () => {
    expect(() =>
      parseBuildOutput("node-tools=/nope/node\ncsi-driver=/nope/node/hks-csi-hostpath-abc\n/nope/base\n"),
    ).toThrow("tool build finished but /nope/base/etcd is missing");
  });
  it("reads the Kubernetes provider plugin and its version; a missing plugin binary is an error", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-build-output-"));
    try {
      for (const b of ["etcd", "kube-apiserver", "kube-controller-manager", "minio", "pulumi"])
        fs.writeFileSync(path.join(tmp, b), "");
      const plugin = path.join(tmp, "pulumi-resource-kubernetes");
      const out = `kubernetes-provider=${plugin}\nkubernetes-provider-version=4.25.0\n${tmp}\n`;
      expect(() => parseBuildOutput(out)).toThrow(`tool build finished but ${plugin} is missing`);
      fs.writeFileSync(plugin, "");
      const tools = parseBuildOutput(out);
      expect(tools.kubernetesProvider).toEqual({ bin: plugin, version: "4.25.0" });
      expect(tools.dir).toBe(tmp);
      expect(tools.node).toBeUndefined();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
