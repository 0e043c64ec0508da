import { describe, expect, it } from "vitest";
import { stackProcessEnv } from "../../../../cli/dev/stack-process";

describe("stackProcessEnv", () => {
  it("drops another stack's KUBECONFIG and AWS_* (csi-provisioner prefers KUBECONFIG to --kubeconfig)", () => {
    const env = stackProcessEnv(
      { PATH: "/usr/bin", HOME: "/root", KUBECONFIG: "/a/kubeconfig", AWS_ENDPOINT_URL: "http://a", AWS_REGION: "x" },
      { MINIO_ROOT_USER: "u" },
    );
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/root", MINIO_ROOT_USER: "u" });
  });

  it("keeps a variable the process sets itself, even one of those names", () => {
    expect(stackProcessEnv({ KUBECONFIG: "/a" }, { KUBECONFIG: "/b" })).toEqual({ KUBECONFIG: "/b" });
  });
});
