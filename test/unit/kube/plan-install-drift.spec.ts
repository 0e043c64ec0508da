import { describe, expect, it } from "vitest";
import { cronJobDrift, objectDrift, reflectCronJob } from "../../../provider/kube/plan-install-drift";
import { renderCronJob, renderPlanObjects } from "../../../provider/kube/plan-install-render";
import { planSpecOf } from "../../../provider/plan/to-plan-spec";
import { locationRecord, planInputs } from "./plan-install-fixtures";

type Any = Record<string, any>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe("cronJobDrift", () => {
  const i = planInputs();
  const expected = renderCronJob(i);

  it("an unchanged CronJob (with server defaults added) has no drift", () => {
    const live = clone(expected) as Any;
    live.metadata.uid = "u1";
    live.spec.jobTemplate.spec.template.spec.dnsPolicy = "ClusterFirst";
    live.status = { lastScheduleTime: "2025-01-01T02:00:00Z" };
    expect(cronJobDrift(expected, live)).toEqual({ messages: [], schedule: {} });
  });

  it("suspend absent on the server equals false", () => {
    const live = clone(expected) as Any;
    delete live.spec.suspend;
    expect(cronJobDrift(expected, live).messages).toEqual([]);
  });

  it("an edited schedule, suspend and image are reflected into the inputs", () => {
    const live = clone(expected) as Any;
    live.spec.schedule = "*/5 * * * *";
    live.spec.suspend = true;
    live.spec.jobTemplate.spec.template.spec.containers[0].image = "evil/image:latest";
    const d = cronJobDrift(expected, live);
    expect(d.schedule).toEqual({ cron: "*/5 * * * *", suspend: true });
    expect(d.image).toBe("evil/image:latest");
    expect(d.messages).toEqual([
      'CronJob hks-system/hks-plan-production-db-daily: schedule is "*/5 * * * *", the plan says "0 2 * * *"',
      "CronJob hks-system/hks-plan-production-db-daily: suspend is true, the plan says false",
      'CronJob hks-system/hks-plan-production-db-daily: image is "evil/image:latest", the plan says "' +
        i.runner.image +
        '"',
    ]);
    const r = reflectCronJob(i, d);
    expect(r.schedule).toEqual({ cron: "*/5 * * * *", timeZone: "UTC", suspend: true });
    expect(r.runner.image).toBe("evil/image:latest");
    expect(i.schedule.cron).toBe("0 2 * * *"); // the original is not modified
  });

  it("a removed deadline is reflected as absent", () => {
    const withDeadline = renderCronJob(planInputs({ schedule: { cron: "0 2 * * *", startingDeadlineSeconds: 300 } }));
    const live = clone(withDeadline) as Any;
    delete live.spec.startingDeadlineSeconds;
    const d = cronJobDrift(withDeadline, live);
    expect(d.schedule).toEqual({ startingDeadlineSeconds: undefined });
    expect(
      reflectCronJob(planInputs({ schedule: { cron: "0 2 * * *", startingDeadlineSeconds: 300 } }), d).schedule,
    ).not.toHaveProperty("startingDeadlineSeconds");
  });

  it("changed command, args, concurrency or ServiceAccount are drift messages", () => {
    const live = clone(expected) as Any;
    live.spec.concurrencyPolicy = "Allow";
    live.spec.jobTemplate.spec.template.spec.serviceAccountName = "default";
    live.spec.jobTemplate.spec.template.spec.containers[0].args = ["run-plan", "other"];
    const msgs = cronJobDrift(expected, live).messages;
    expect(msgs).toHaveLength(3);
    expect(msgs.join("\n")).toMatch(/container args/);
    expect(msgs.join("\n")).toMatch(/concurrencyPolicy is "Allow"/);
    expect(msgs.join("\n")).toMatch(/serviceAccountName is "default"/);
  });
});

describe("objectDrift", () => {
  const i = planInputs();
  const objs = renderPlanObjects(i, planSpecOf(i), [locationRecord("s3-main-storage")]);
  const byKind = (k: string) => objs.find((o) => o.kind === k)!;

  it("missing objects are reported", () => {
    expect(objectDrift(byKind("ServiceAccount"), undefined)).toEqual([
      "ServiceAccount hks-system/hks-plan-production-db-daily is missing",
    ]);
  });

  it("edited RBAC rules and plan.json are reported; unchanged ones are not", () => {
    const role = clone(byKind("Role")) as Any;
    expect(objectDrift(byKind("Role"), role)).toEqual([]);
    role.rules[0].verbs = ["get", "list", "watch"];
    expect(objectDrift(byKind("Role"), role)).toEqual([
      "Role hks-system/hks-plan-production-db-daily: rules differs from what the plan installed",
    ]);
    const cm = clone(byKind("ConfigMap")) as Any;
    cm.data["plan.json"] = "{}";
    expect(objectDrift(byKind("ConfigMap"), cm)).toHaveLength(1);
  });
});
