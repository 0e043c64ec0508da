import type { LifecycleRule } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  HKS_RULE_IDS,
  hksLifecycleRules,
  mergeLifecycleRules,
  summarizeLifecycle,
} from "../../../provider/store/s3-bucket-lifecycle";

const foreign: LifecycleRule = {
  ID: "team-logs",
  Status: "Enabled",
  Filter: { Prefix: "logs/" },
  Expiration: { Days: 3 },
};

describe("hks lifecycle rules", () => {
  it("builds one rule per requested setting, scoped to the prefix", () => {
    expect(hksLifecycleRules({ expireDays: 30, abortIncompleteUploadDays: 2, prefix: "team-a/" })).toEqual([
      {
        ID: HKS_RULE_IDS.expire,
        Status: "Enabled",
        Filter: { Prefix: "team-a/" },
        Expiration: { Days: 30 },
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      },
      {
        ID: HKS_RULE_IDS.abortIncomplete,
        Status: "Enabled",
        Filter: { Prefix: "team-a/" },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
      },
    ]);
    expect(hksLifecycleRules({})).toEqual([]);
  });

  it.each([
    { name: "empty bucket gets the hks rules", existing: [], spec: { expireDays: 7 }, want: ["hks-expire"] },
    {
      name: "foreign rules are kept",
      existing: [foreign],
      spec: { abortIncompleteUploadDays: 1 },
      want: ["team-logs", "hks-abort-incomplete-uploads"],
    },
    {
      name: "a changed hks rule is replaced",
      existing: [foreign, ...hksLifecycleRules({ expireDays: 7 })],
      spec: { expireDays: 8 },
      want: ["team-logs", "hks-expire"],
    },
    {
      name: "an hks rule no longer asked for is dropped",
      existing: hksLifecycleRules({ expireDays: 7, abortIncompleteUploadDays: 1 }),
      spec: { expireDays: 7 },
      want: ["hks-expire"],
    },
  ])("merge: $name", ({ existing, spec, want }) => {
    expect(mergeLifecycleRules(existing, spec)?.map((r) => r.ID)).toEqual(want);
  });

  it("merge returns undefined when the hks rules already match (even echoed with extra fields)", () => {
    const echoed = hksLifecycleRules({ expireDays: 7, abortIncompleteUploadDays: 1 }).map((r) => ({
      ...r,
      Transitions: [],
    }));
    expect(mergeLifecycleRules([foreign, ...echoed], { expireDays: 7, abortIncompleteUploadDays: 1 })).toBeUndefined();
  });

  it("summarizes only hks rules", () => {
    expect(summarizeLifecycle([foreign])).toBeUndefined();
    expect(
      summarizeLifecycle([foreign, ...hksLifecycleRules({ expireDays: 9, abortIncompleteUploadDays: 2 })]),
    ).toEqual({ expireDays: 9, abortIncompleteUploadDays: 2 });
  });
});
