import { describe, expect, it } from "vitest";
import { matchesSelector, parseLabelSelector, SelectorError, selectorFromLabels } from "../../../provider/format/label-selector";

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
