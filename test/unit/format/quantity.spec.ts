import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { largerQuantity, quantityToUnits } from "../../../provider/format/quantity";
import { raiseToRestoreSize } from "../../../provider/engine/restore/volumes";

describe("quantityToUnits", () => {
  it.each([
    ["0", 0n],
    ["1", 1n],
    ["1024", 1024n],
    ["+5", 5n],
    ["-5", -5n],
    ["1Ki", 1024n],
    ["1Mi", 1048576n],
    ["1Gi", 1073741824n],
    ["1.5Gi", 1610612736n],
    ["2Ti", 2n * 2n ** 40n],
    ["1Ei", 2n ** 60n],
    ["1k", 1000n],
    ["1M", 1000000n],
    ["1G", 1000000000n],
    ["1.5G", 1500000000n],
    ["1E", 10n ** 18n],
    ["1e3", 1000n],
    ["2E6", 2000000n],
    ["1e+3", 1000n],
    ["1500e-3", 2n],
    ["1e-3", 1n],
    ["100m", 1n],
    ["1500m", 2n],
    ["1n", 1n],
    ["0.5", 1n],
    [".5Ki", 512n],
    ["1.", 1n],
    [" 1Gi ", 1073741824n],
  ])("%s is %s", (q, units) => {
    expect(quantityToUnits(q)).toBe(units);
  });

  it.each(["", "Gi", "1GB", "1gi", "1 Gi", "abc", "1.2.3", "--1", "1e", "0x10", "1Gi5"])(
    "%j is not a quantity",
    (q) => {
      expect(quantityToUnits(q)).toBeUndefined();
    },
  );

  it("binary and decimal spellings of the same size are equal", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (n) => {
        expect(quantityToUnits(`${n}Ki`)).toBe(BigInt(n) * 1024n);
        expect(quantityToUnits(`${n}k`)).toBe(quantityToUnits(`${n}e3`));
        expect(quantityToUnits(`${n}M`)).toBe(quantityToUnits(String(BigInt(n) * 1000000n)));
      }),
    );
  });
});

describe("largerQuantity", () => {
  it.each([
    ["1Gi", "2Gi", "2Gi"],
    ["2Gi", "1Gi", "2Gi"],
    ["1Gi", "1Gi", "1Gi"],
    ["1Gi", "1073741824", "1Gi"],
    ["1G", "1Gi", "1Gi"],
    ["1100Mi", "1Gi", "1100Mi"],
    ["10Gi", "nonsense", "10Gi"],
    ["nonsense", "10Gi", "nonsense"],
  ])("of %s and %s is %s", (a, b, larger) => {
    expect(largerQuantity(a, b)).toBe(larger);
  });
});

describe("raiseToRestoreSize (a claim from a snapshot asks for at least its restoreSize)", () => {
  it.each([
    {
      name: "raises a smaller request",
      requests: { storage: "1Gi" },
      restoreSize: "2Gi",
      storage: "2Gi",
      note: "storage request raised from 1Gi to 2Gi, the snapshot's restoreSize",
    },
    {
      name: "raises across notations (1G < 1Gi)",
      requests: { storage: "1G" },
      restoreSize: "1Gi",
      storage: "1Gi",
      note: "storage request raised from 1G to 1Gi, the snapshot's restoreSize",
    },
    {
      name: "sets a missing request",
      requests: undefined,
      restoreSize: "5Gi",
      storage: "5Gi",
      note: "storage request raised from none to 5Gi, the snapshot's restoreSize",
    },
    {
      name: "keeps a larger request",
      requests: { storage: "10Gi" },
      restoreSize: "2Gi",
      storage: "10Gi",
      note: undefined,
    },
    {
      name: "keeps an equal request written otherwise",
      requests: { storage: "1Gi" },
      restoreSize: "1073741824",
      storage: "1Gi",
      note: undefined,
    },
    {
      name: "keeps the request when the snapshot has no restoreSize",
      requests: { storage: "1Gi" },
      restoreSize: undefined,
      storage: "1Gi",
      note: undefined,
    },
    {
      name: "keeps the request when restoreSize is unreadable",
      requests: { storage: "1Gi" },
      restoreSize: "big",
      storage: "1Gi",
      note: undefined,
    },
  ])("$name", ({ requests, restoreSize, storage, note }) => {
    const spec: Record<string, any> = {
      accessModes: ["ReadWriteOnce"],
      ...(requests ? { resources: { requests: { ...requests, other: "x" } } } : {}),
    };
    expect(raiseToRestoreSize(spec, restoreSize)).toBe(note);
    expect(spec.resources.requests.storage).toBe(storage);
    if (requests) expect(spec.resources.requests.other).toBe("x");
  });
});
