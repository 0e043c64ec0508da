import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyJsonPatch,
  jsonEqual,
  parsePointer,
  PatchError,
  patchProblem,
  type JsonPatchOp,
} from "../../../provider/format/json-patch";

/** RFC 6902 Appendix A: each example's document, patch and result (or error). */
const RFC_EXAMPLES: { name: string; doc: unknown; patch: JsonPatchOp[]; result?: unknown; error?: RegExp }[] = [
  {
    name: "A.1 adding an object member",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz", value: "qux" }],
    result: { baz: "qux", foo: "bar" },
  },
  {
    name: "A.2 adding an array element",
    doc: { foo: ["bar", "baz"] },
    patch: [{ op: "add", path: "/foo/1", value: "qux" }],
    result: { foo: ["bar", "qux", "baz"] },
  },
  {
    name: "A.3 removing an object member",
    doc: { baz: "qux", foo: "bar" },
    patch: [{ op: "remove", path: "/baz" }],
    result: { foo: "bar" },
  },
  {
    name: "A.4 removing an array element",
    doc: { foo: ["bar", "qux", "baz"] },
    patch: [{ op: "remove", path: "/foo/1" }],
    result: { foo: ["bar", "baz"] },
  },
  {
    name: "A.5 replacing a value",
    doc: { baz: "qux", foo: "bar" },
    patch: [{ op: "replace", path: "/baz", value: "boo" }],
    result: { baz: "boo", foo: "bar" },
  },
  {
    name: "A.6 moving a value",
    doc: { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
    patch: [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    result: { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  },
  {
    name: "A.7 moving an array element",
    doc: { foo: ["all", "grass", "cows", "eat"] },
    patch: [{ op: "move", from: "/foo/1", path: "/foo/3" }],
    result: { foo: ["all", "cows", "eat", "grass"] },
  },
  {
    name: "A.8 testing a value: success",
    doc: { baz: "qux", foo: ["a", 2, "c"] },
    patch: [
      { op: "test", path: "/baz", value: "qux" },
      { op: "test", path: "/foo/1", value: 2 },
    ],
    result: { baz: "qux", foo: ["a", 2, "c"] },
  },
  {
    name: "A.9 testing a value: error",
    doc: { baz: "qux" },
    patch: [{ op: "test", path: "/baz", value: "bar" }],
    error: /operation 0 \(test\): test failed: \/baz is "qux", expected "bar"/,
  },
  {
    name: "A.10 adding a nested member object",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/child", value: { grandchild: {} } }],
    result: { foo: "bar", child: { grandchild: {} } },
  },
  {
    name: "A.12 adding to a nonexistent target",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz/bat", value: "qux" }],
    error: /path "\/baz\/bat" does not exist/,
  },
  {
    name: "A.14 ~ escape ordering",
    doc: { "/": 9, "~1": 10 },
    patch: [{ op: "test", path: "/~01", value: 10 }],
    result: { "/": 9, "~1": 10 },
  },
  {
    name: "A.15 comparing strings and numbers",
    doc: { "/": 9, "~1": 10 },
    patch: [{ op: "test", path: "/~01", value: "10" }],
    error: /test failed/,
  },
  {
    name: "A.16 adding an array value",
    doc: { foo: ["bar"] },
    patch: [{ op: "add", path: "/foo/-", value: ["abc", "def"] }],
    result: { foo: ["bar", ["abc", "def"]] },
  },
];

/** Kubernetes-shaped cases: what restore patches are for. */
const KUBE_CASES: { name: string; doc: unknown; patch: JsonPatchOp[]; result?: unknown; error?: RegExp }[] = [
  {
    name: "replace a container image",
    doc: { spec: { template: { spec: { containers: [{ name: "app", image: "app:prod" }] } } } },
    patch: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "app:staging" }],
    result: { spec: { template: { spec: { containers: [{ name: "app", image: "app:staging" }] } } } },
  },
  {
    name: "replace a storage class",
    doc: { spec: { storageClassName: "fast" } },
    patch: [{ op: "replace", path: "/spec/storageClassName", value: "standard" }],
    result: { spec: { storageClassName: "standard" } },
  },
  {
    name: "add a label with a '/' in its key",
    doc: { metadata: { labels: {} } },
    patch: [{ op: "add", path: "/metadata/labels/env~1tier", value: "staging" }],
    result: { metadata: { labels: { "env/tier": "staging" } } },
  },
  {
    name: "test then replace replicas",
    doc: { spec: { replicas: 3 } },
    patch: [
      { op: "test", path: "/spec/replicas", value: 3 },
      { op: "replace", path: "/spec/replicas", value: 1 },
    ],
    result: { spec: { replicas: 1 } },
  },
  {
    name: "copy a value",
    doc: { a: { b: 1 } },
    patch: [{ op: "copy", from: "/a", path: "/c" }],
    result: { a: { b: 1 }, c: { b: 1 } },
  },
  {
    name: "replace the whole document",
    doc: { a: 1 },
    patch: [{ op: "replace", path: "", value: { b: 2 } }],
    result: { b: 2 },
  },
  {
    name: "replace a missing member is an error",
    doc: { spec: {} },
    patch: [{ op: "replace", path: "/spec/replicas", value: 1 }],
    error: /operation 0 \(replace\): path "\/spec\/replicas" does not exist/,
  },
  {
    name: "remove a missing member is an error",
    doc: { spec: {} },
    patch: [{ op: "remove", path: "/spec/x" }],
    error: /does not exist/,
  },
  {
    name: "index out of bounds",
    doc: { a: [1] },
    patch: [{ op: "add", path: "/a/2", value: 3 }],
    error: /index 2 is out of bounds/,
  },
  {
    name: "leading zero index refused",
    doc: { a: [1, 2] },
    patch: [{ op: "remove", path: "/a/01" }],
    error: /"01" is not an array index/,
  },
  {
    name: "move into own child refused",
    doc: { a: { b: 1 } },
    patch: [{ op: "move", from: "/a", path: "/a/b/c" }],
    error: /cannot move \/a into its own child/,
  },
  {
    name: "second op failing names its index",
    doc: { a: 1 },
    patch: [
      { op: "add", path: "/b", value: 2 },
      { op: "remove", path: "/zzz" },
    ],
    error: /^operation 1 \(remove\)/,
  },
];

describe("applyJsonPatch", () => {
  it.each([...RFC_EXAMPLES, ...KUBE_CASES])("$name", ({ doc, patch, result, error }) => {
    const before = structuredClone(doc);
    if (error) {
      expect(() => applyJsonPatch(doc, patch)).toThrow(PatchError);
      expect(() => applyJsonPatch(doc, patch)).toThrow(error);
    } else {
      expect(applyJsonPatch(doc, patch)).toEqual(result);
    }
    expect(doc).toEqual(before); // never mutated, not even by a patch that fails half-way
  });

  it("does not share values between the patch and the result", () => {
    const value = { nested: [1] };
    const out = applyJsonPatch({}, [{ op: "add", path: "/x", value }]) as { x: { nested: number[] } };
    out.x.nested.push(2);
    expect(value.nested).toEqual([1]);
  });

  it("add then remove of the same member restores any object (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => k !== "__proto__"),
          fc.jsonValue(),
        ),
        fc.string({ minLength: 1 }),
        fc.jsonValue(),
        (doc, key, value) => {
          fc.pre(!(key in doc) && key !== "__proto__");
          const ptr = "/" + key.replace(/~/g, "~0").replace(/\//g, "~1");
          const added = applyJsonPatch(doc, [{ op: "add", path: ptr, value }]);
          expect(jsonEqual((added as Record<string, unknown>)[key], value)).toBe(true);
          expect(applyJsonPatch(added, [{ op: "remove", path: ptr }])).toEqual(doc);
        },
      ),
    );
  });
});

describe("parsePointer", () => {
  it.each([
    { pointer: "", tokens: [] },
    { pointer: "/", tokens: [""] },
    { pointer: "/a/b", tokens: ["a", "b"] },
    { pointer: "/a~1b/~0c", tokens: ["a/b", "~c"] },
    { pointer: "/~01", tokens: ["~1"] },
  ])("$pointer", ({ pointer, tokens }) => expect(parsePointer(pointer)).toEqual(tokens));

  it.each(["a/b", "/a~2", "/a~"])("refuses %s", (p) => expect(() => parsePointer(p)).toThrow(/JSON pointer/));
});

describe("patchProblem", () => {
  it.each([
    { name: "not an array", ops: { op: "add" }, problem: /must be an array/ },
    { name: "unknown op", ops: [{ op: "merge", path: "/a" }], problem: /\[0\]\.op must be one of add, remove/ },
    { name: "missing path", ops: [{ op: "remove" }], problem: /\[0\]\.path must be a JSON pointer/ },
    { name: "bad pointer", ops: [{ op: "remove", path: "a" }], problem: /\[0\]\.path: JSON pointer "a" must be ""/ },
    { name: "add without value", ops: [{ op: "add", path: "/a" }], problem: /\[0\] \(add\) needs a value/ },
    { name: "move without from", ops: [{ op: "move", path: "/a" }], problem: /\[0\]\.from must be/ },
    { name: "second op bad", ops: [{ op: "remove", path: "/a" }, 3], problem: /\[1\] must be an object/ },
  ])("$name", ({ ops, problem }) => expect(patchProblem(ops)).toMatch(problem));

  it("accepts a well-formed patch", () => {
    expect(
      patchProblem([
        { op: "replace", path: "/spec/replicas", value: 1 },
        { op: "copy", from: "/a", path: "/b" },
        { op: "test", path: "", value: null },
      ]),
    ).toBeUndefined();
  });
});
