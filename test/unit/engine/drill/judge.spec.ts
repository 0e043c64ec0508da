import { describe, expect, it } from "vitest";
import { clip, execFailure, httpFailure } from "../../../../provider/engine/drill/judge";
import type { ExecCheck, HttpCheck } from "../../../../provider/format/drill";

const exec = (expect: Partial<ExecCheck["expect"]> = {}): ExecCheck => ({
  command: ["psql"],
  pod: "postgres-0",
  expect: { exitCode: 0, ...expect },
});
const http = (expect: Partial<HttpCheck["expect"]> = {}): HttpCheck => ({
  service: "web",
  port: 80,
  path: "/",
  expect: { status: 200, ...expect },
});

describe("execFailure", () => {
  it.each([
    { name: "exit 0 as expected", check: exec(), r: { exitCode: 0, stdout: "x", stderr: "" }, want: undefined },
    {
      name: "another exit code, with stderr",
      check: exec(),
      r: { exitCode: 2, stdout: "", stderr: "no table\n" },
      want: "exited 2, expected 0: no table",
    },
    {
      name: "another exit code, silent",
      check: exec(),
      r: { exitCode: 1, stdout: "", stderr: "" },
      want: "exited 1, expected 0",
    },
    {
      name: "the expected non-zero exit",
      check: exec({ exitCode: 3 }),
      r: { exitCode: 3, stdout: "", stderr: "" },
      want: undefined,
    },
    {
      name: "stdout equal after trimming",
      check: exec({ stdout: "3" }),
      r: { exitCode: 0, stdout: " 3\n", stderr: "" },
      want: undefined,
    },
    {
      name: "stdout differs",
      check: exec({ stdout: "3" }),
      r: { exitCode: 0, stdout: "2\n", stderr: "" },
      want: 'printed "2", expected "3"',
    },
    {
      name: "stdout matches",
      check: exec({ stdoutMatches: "^[1-9]\\d*$" }),
      r: { exitCode: 0, stdout: "42\n", stderr: "" },
      want: undefined,
    },
    {
      name: "stdout does not match",
      check: exec({ stdoutMatches: "^[1-9]\\d*$" }),
      r: { exitCode: 0, stdout: "0", stderr: "" },
      want: 'printed "0", which does not match /^[1-9]\\d*$/',
    },
  ])("$name", ({ check, r, want }) => {
    expect(execFailure(check, r)).toBe(want);
  });
});

describe("httpFailure", () => {
  it.each([
    { name: "200 as expected", check: http(), r: { status: 200, body: "ok" }, want: undefined },
    { name: "another status", check: http(), r: { status: 503, body: "" }, want: "answered 503, expected 200" },
    { name: "body contains", check: http({ bodyContains: "ok" }), r: { status: 200, body: "all ok" }, want: undefined },
    {
      name: "body lacks",
      check: http({ bodyContains: "ok" }),
      r: { status: 200, body: "down" },
      want: 'the body does not contain "ok"',
    },
  ])("$name", ({ check, r, want }) => {
    expect(httpFailure(check, r)).toBe(want);
  });
});

describe("clip", () => {
  it("keeps short text and the end of long text, within the limit", () => {
    expect(clip("abc", 5)).toBe("abc");
    expect(clip("abcdefgh", 5)).toBe("…efgh");
    expect(clip("abcdefgh", 5)).toHaveLength(5);
  });
});
