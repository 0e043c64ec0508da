/** The target's pre-flight check: what it names that the cluster lacks, before anything is written. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../../../provider/errors";
import { assertTargetExists, targetProblems } from "../../../../provider/engine/backup/preflight";
import { KubeHttpError, type KubeReader } from "../../../../provider/kube/discovery";

/** A reader serving `routes` (path → body); anything else is a 404. */
function reader(routes: Record<string, unknown>): KubeReader {
  return {
    async getJson<T>(path: string): Promise<T> {
      const body = routes[path.split("?")[0]!];
      if (body === undefined) throw new KubeHttpError(404, path, { message: "not found" });
      return body as T;
    },
  };
}

const cluster = reader({
  "/api/v1/namespaces/prod": { metadata: { name: "prod" } },
  "/api/v1/namespaces/prod/pods": { items: [], metadata: {} },
  "/apis/storage.k8s.io/v1/storageclasses/fast": { metadata: { name: "fast" } },
});

describe("pre-flight: volumeData.storageClasses", () => {
  it("accepts StorageClasses that exist", async () => {
    const target = { namespaces: ["prod"], snapshotVolumes: true, volumeData: { storageClasses: ["fast"] } };
    expect(await targetProblems(cluster, target)).toEqual([]);
  });

  it("names each StorageClass that does not exist, on its input path", async () => {
    const target = { namespaces: ["prod"], snapshotVolumes: true, volumeData: { storageClasses: ["fast", "fats"] } };
    expect(await targetProblems(cluster, target)).toEqual([
      {
        subject: "volumeData.storageClasses[1]",
        reason: 'StorageClass "fats" does not exist: check the name (kubectl get storageclasses)',
      },
    ]);
    const err = await assertTargetExists(cluster, target, "target").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /target\.volumeData\.storageClasses\[1\].*StorageClass "fats" does not exist/,
    );
  });
});
