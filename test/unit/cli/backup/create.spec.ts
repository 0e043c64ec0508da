import { describe, expect, it } from "vitest";
import { pageSizeFromFlag } from "../../../../cli/backup/create";
import { InputError } from "../../../../provider/errors";

describe("hks backup create --page-size", () => {
  it.each([
    { value: undefined, expected: undefined },
    { value: "1", expected: 1 },
    { value: "500", expected: 500 },
    { value: " 10000 ", expected: 10000 },
  ])("accepts $value", ({ value, expected }) => {
    expect(pageSizeFromFlag(value)).toBe(expected);
  });

  it.each(["0", "10001", "-5", "2.5", "abc", "", "1e3"])("refuses %j, naming the flag and the range", (value) => {
    let err: unknown;
    try {
      pageSizeFromFlag(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe("--page-size");
    expect((err as Error).message).toContain(
      `whole number from 1 to 10000 (objects per LIST request), got ${JSON.stringify(value)}`,
    );
  });
});
