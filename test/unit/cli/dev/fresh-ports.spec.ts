import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { onFreshPorts } from "../../../../cli/dev/stack";

describe("onFreshPorts", () => {
  it("starts again on new ports when a port was taken between choosing and binding it", async () => {
    const seen: number[][] = [];
    const port = await onFreshPorts(2, async (ports) => {
      seen.push(ports);
      if (seen.length === 1)
        throw new Error(
          "minio exited during start-up; FATAL Unable to start the server: Specified port is already in use",
        );
      return ports[0];
    });
    expect(seen).toHaveLength(2);
    expect(port).toBe(seen[1]![0]);
    for (const p of seen.flat()) expect(p).toBeGreaterThan(0);
  });

  it("gives each attempt ports that are free: a real listener binds them", async () => {
    await onFreshPorts(3, async (ports) => {
      for (const p of ports)
        await new Promise<void>((resolve, reject) => {
          const srv = net.createServer().once("error", reject);
          srv.listen(p, "127.0.0.1", () => srv.close(() => resolve()));
        });
    });
  });

  it("does not retry other failures, and gives up after its tries", async () => {
    let calls = 0;
    await expect(
      onFreshPorts(1, async () => {
        calls++;
        throw new Error("etcd did not become healthy within 30s");
      }),
    ).rejects.toThrow(/did not become healthy/);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      onFreshPorts(
        1,
        async () => {
          calls++;
          throw new Error("listen tcp 127.0.0.1:1234: bind: address already in use");
        },
        3,
      ),
    ).rejects.toThrow(/address already in use/);
    expect(calls).toBe(3);
  });
});
