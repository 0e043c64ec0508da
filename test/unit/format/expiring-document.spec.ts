import { describe, expect, it } from "vitest";
import { isLive, parseExpiringDocument } from "../../../provider/format/expiring-document";

const buf = (s: string) => Buffer.from(s, "utf8");

describe("parseExpiringDocument", () => {
  it("reads a document with a valid expiresAt, keeping its other fields", () => {
    const doc = parseExpiringDocument<{ expiresAt: string; holder: string }>(
      buf('{"expiresAt":"2026-12-03T10:00:00.000Z","holder":"pod-1"}'),
    );
    expect(doc).toEqual({ expiresAt: "2026-12-03T10:00:00.000Z", holder: "pod-1" });
  });

  it.each([
    ["no object", undefined],
    ["not JSON", buf("{not json")],
    ["JSON null", buf("null")],
    ["a number", buf("42")],
    ["no expiresAt", buf('{"holder":"x"}')],
    ["expiresAt not a string", buf('{"expiresAt":1767000000000}')],
    ["expiresAt not a date", buf('{"expiresAt":"tomorrow-ish"}')],
  ])("counts %s as absent", (_name, input) => {
    expect(parseExpiringDocument(input)).toBeUndefined();
  });
});

describe("isLive", () => {
  const doc = { expiresAt: "2026-12-03T10:00:00.000Z" };
  it("holds strictly before expiresAt and not from it on", () => {
    expect(isLive(doc, new Date("2026-12-03T09:59:59.999Z"))).toBe(true);
    expect(isLive(doc, new Date("2026-12-03T10:00:00.000Z"))).toBe(false);
    expect(isLive(doc, new Date("2026-12-03T10:00:00.001Z"))).toBe(false);
  });
});
