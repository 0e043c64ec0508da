import { describe, expect, it } from "vitest";
import type { BackupSummary } from "../../../../provider/engine/catalog/catalog";
import { deletionRefusals, lastGoodRefusal } from "../../../../provider/engine/catalog/delete-guard";
import { MemoryObjectStore, STORE_LAYOUT } from "../../../../provider/store";

const b = (name: string, phase: BackupSummary["phase"], startedAt?: string, plan?: string): BackupSummary => ({
  name,
  phase,
  plan,
  startedAt,
  labels: {},
  bytes: 1,
  errors: 0,
  warnings: 0,
});

const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}T02:00:00Z`;

describe("lastGoodRefusal", () => {
  const rows: [string, BackupSummary, BackupSummary[], boolean][] = [
    ["only backup of its plan", b("n1", "Completed", day(1), "n"), [], true],
    [
      "a newer Completed backup of the plan exists",
      b("n1", "Completed", day(1), "n"),
      [b("n2", "Completed", day(2), "n")],
      false,
    ],
    ["an older one exists only", b("n2", "Completed", day(2), "n"), [b("n1", "Completed", day(1), "n")], true],
    [
      "newer runs all failed",
      b("n1", "Completed", day(1), "n"),
      [b("n2", "Failed", day(2), "n"), b("n3", "PartiallyFailed", day(3), "n")],
      true,
    ],
    [
      "a newer Completed backup of another plan does not count",
      b("n1", "Completed", day(1), "n"),
      [b("m2", "Completed", day(2), "m")],
      true,
    ],
    [
      "a tie with another Completed backup of the plan",
      b("n1", "Completed", day(1), "n"),
      [b("n1b", "Completed", day(1), "n")],
      false,
    ],
    ["no plan: a backup taken by hand", b("x", "Completed", day(1)), [], false],
    ["a failed backup", b("n1", "Failed", day(1), "n"), [], false],
    ["a PartiallyFailed backup", b("n1", "PartiallyFailed", day(1), "n"), [], false],
    ["an Incomplete folder", b("n1", "Incomplete", undefined, "n"), [], false],
    [
      "target without start time, another Completed backup exists",
      b("n1", "Completed", undefined, "n"),
      [b("n2", "Completed", day(1), "n")],
      false,
    ],
    ["target without start time, alone", b("n1", "Completed", undefined, "n"), [], true],
    [
      "the other has no start time: it cannot be newer",
      b("n1", "Completed", day(1), "n"),
      [b("n0", "Completed", undefined, "n")],
      true,
    ],
  ];
  it.each(rows)("%s", (_, target, others, refused) => {
    const why = lastGoodRefusal(target, [target, ...others], "main");
    if (!refused) {
      expect(why).toBeUndefined();
      return;
    }
    expect(why).toBe(
      `backup ${target.name} is the newest Completed backup of plan n in location main, its last good backup, ` +
        `which retention never deletes: take a newer backup of the plan first (hks run-plan n, or "Back up now" ` +
        `in the dashboard), or pass --allow-last-good to delete it anyway`,
    );
  });
});

describe("deletionRefusals", () => {
  async function store(): Promise<MemoryObjectStore> {
    const s = new MemoryObjectStore();
    for (const [name, d] of [
      ["n-1", 1],
      ["n-2", 2],
    ] as const) {
      await s.put(STORE_LAYOUT.backupResourcesKey(name), "archive");
      await s.put(
        STORE_LAYOUT.backupManifestKey(name),
        JSON.stringify({
          formatVersion: 1,
          name,
          plan: "n",
          phase: "Completed",
          labels: {},
          storageLocation: "main",
          sourceCluster: "https://k",
          target: { namespaces: ["app"] },
          startedAt: day(d),
          completedAt: day(d),
          counts: { total: 1, byResource: {} },
          hooks: [],
          warnings: [],
          errors: [],
        }),
      );
    }
    return s;
  }

  it("reads the location's listing: the newest is refused, the older one may go", async () => {
    const s = await store();
    expect(await deletionRefusals(s, b("n-2", "Completed", day(2), "n"), "main")).toEqual([
      expect.stringContaining("backup n-2 is the newest Completed backup of plan n in location main"),
    ]);
    expect(await deletionRefusals(s, b("n-1", "Completed", day(1), "n"), "main")).toEqual([]);
  });

  it("allowLastGood lifts the first rule only; a lock still refuses", async () => {
    const s = await store();
    const asked: string[] = [];
    const isLocked = async (name: string) => (asked.push(name), name === "n-2");
    expect(
      await deletionRefusals(s, b("n-2", "Completed", day(2), "n"), "main", { allowLastGood: true, isLocked }),
    ).toEqual([expect.stringContaining("backup n-2 is protected by S3 object lock in location main")]);
    expect(await deletionRefusals(s, b("n-1", "Completed", day(1), "n"), "main", { isLocked })).toEqual([]);
    expect(asked).toEqual(["n-2", "n-1"]);
  });

  it("both reasons at once", async () => {
    const s = await store();
    const r = await deletionRefusals(s, b("n-2", "Completed", day(2), "n"), "main", { isLocked: async () => true });
    expect(r).toHaveLength(2);
    expect(r[1]).toMatch(/wait until the lock expires or lift the legal hold$/);
  });
});
