/** Label selectors: parsing, canonical spelling, matching, and refusals that name the field and the bad part. */
import { describe, expect, it } from "vitest";
import {
  formatLabelSelector,
  matchesSelector,
  normalizeSelector,
  parseLabelPairs,
  parseLabelSelector,
  SelectorError,
  selectorFromLabels,
} from "../../../provider/format/label-selector";
import { InputError } from "../../../provider/errors";

describe("parseLabelSelector", () => {
  it.each([
    { name: "empty selects everything", text: "", reqs: [] },
    {
      name: "equality (the seed's form)",
      text: "app=mission-critical",
      reqs: [{ key: "app", op: "=", value: "mission-critical" }],
    },
    { name: "double equals", text: "app==web", reqs: [{ key: "app", op: "=", value: "web" }] },
    { name: "inequality", text: "tier!=cache", reqs: [{ key: "tier", op: "!=", value: "cache" }] },
    {
      name: "set-based in/notin with spaces",
      text: " env in (prod, staging) , tier notin (cache)",
      reqs: [
        { key: "env", op: "in", values: ["prod", "staging"] },
        { key: "tier", op: "notin", values: ["cache"] },
      ],
    },
    {
      name: "exists and not exists",
      text: "backup,!legacy",
      reqs: [
        { key: "backup", op: "exists" },
        { key: "legacy", op: "!exists" },
      ],
    },
    {
      name: "prefixed keys",
      text: "app.kubernetes.io/name=db",
      reqs: [{ key: "app.kubernetes.io/name", op: "=", value: "db" }],
    },
    { name: "empty value", text: "a=", reqs: [{ key: "a", op: "=", value: "" }] },
  ])("$name", ({ text, reqs }) => {
    expect(parseLabelSelector(text)).toEqual(reqs);
  });

  it.each([
    { name: "unclosed set", text: "app in (a", why: /no closing/ },
    { name: "bad key", text: "-app=x", why: /a label key was expected|not a valid label key/ },
    { name: "bad value", text: "app=-x-", why: /not a valid label value|unexpected/ },
    { name: "missing comma", text: "a=b c=d", why: /separate requirements with ','/ },
    { name: "key too long", text: `${"k".repeat(64)}=v`, why: /not a valid label key/ },
    { name: "set value invalid", text: "a in (b,-c)", why: /must be label values/ },
  ])("refuses $name", ({ text, why }) => {
    const err = (() => {
      try {
        parseLabelSelector(text, "--selector");
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.field).toBe("--selector");
    expect(err.reason).toMatch(why);
  });
});

describe("canonical form", () => {
  it("formats requirements back to what the API server accepts", () => {
    expect(formatLabelSelector(parseLabelSelector("env in (prod,staging),!legacy,a==b,c!=d,e"))).toBe(
      "env in (prod,staging),!legacy,a=b,c!=d,e",
    );
  });
  it("turns a map into sorted equality requirements, and text into its canonical spelling", () => {
    expect(normalizeSelector({ tier: "db", app: "postgres-db" })).toBe("app=postgres-db,tier=db");
    expect(normalizeSelector(" app == web ")).toBe("app=web");
    expect(normalizeSelector(undefined)).toBeUndefined();
  });
  it("names the map entry that is wrong", () => {
    expect(() => normalizeSelector({ "bad key!": "x" }, "target.selector")).toThrow(
      /target\.selector\.bad key!: "bad key!" is not a valid label key/,
    );
    expect(() => normalizeSelector({ app: "has space" }, "target.selector")).toThrow(/target\.selector\.app:/);
  });
  it("parses --labels pairs and refuses anything but equality", () => {
    expect(parseLabelPairs("a=b,c=d", "--labels")).toEqual({ a: "b", c: "d" });
    expect(() => parseLabelPairs("a!=b", "--labels")).toThrow(/--labels: "a!=b" must be key=value pairs/);
  });
});

const labels = { app: "web", tier: "frontend", "example.com/team": "a" };

describe("label selectors", () => {
  it.each([
    { selector: "", match: true },
    { selector: "app=web", match: true },
    { selector: "app==web", match: true },
    { selector: "app = web", match: true },
    { selector: "app=db", match: false },
    { selector: "app!=db", match: true },
    { selector: "missing!=x", match: true },
    { selector: "app in (web,api)", match: true },
    { selector: "app in (api)", match: false },
    { selector: "app notin (api, db)", match: true },
    { selector: "missing notin (a)", match: true },
    { selector: "tier", match: true },
    { selector: "!tier", match: false },
    { selector: "!missing", match: true },
    { selector: "example.com/team=a", match: true },
    { selector: "app=web,tier=frontend", match: true },
    { selector: "app=web,tier=backend", match: false },
    { selector: "app in (web,api),!missing,tier!=x", match: true },
  ])("$selector → $match", ({ selector, match }) => {
    expect(matchesSelector(parseLabelSelector(selector), labels)).toBe(match);
  });

  it("an object without labels matches only requirements that allow absence", () => {
    expect(matchesSelector(parseLabelSelector("!app,app!=x,app notin (y)"), undefined)).toBe(true);
    expect(matchesSelector(parseLabelSelector("app"), undefined)).toBe(false);
  });

  it.each([
    { selector: "app=web,", problem: /empty requirement/ },
    { selector: "-bad=x", problem: /not a valid label key/ },
    { selector: "app=bad value", problem: /not a selector requirement|not a valid label value/ },
    { selector: "app=-x", problem: /not a valid label value/ },
    { selector: "app in (a b)", problem: /not a valid label value/ },
  ])("refuses $selector", ({ selector, problem }) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(problem);
  });

  it("turns a label map into a sorted selector string", () => {
    expect(selectorFromLabels({ tier: "db", app: "postgres-db" })).toBe("app=postgres-db,tier=db");
    expect(parseLabelSelector(selectorFromLabels({ app: "x" }))).toEqual([{ key: "app", op: "=", value: "x" }]);
  });
});
