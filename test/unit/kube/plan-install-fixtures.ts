/** Builders shared by the plan-install unit tests: checked plan inputs and location records. */
import type { LocationConfig } from "../../../provider/kube/location-config";
import { checkBackupPlan } from "../../../provider/plan/plan";
import type { BackupPlanInputs } from "../../../provider/types";

/** Checked inputs of the seed's plan plus `over`; throws if check fails (a broken fixture). */
export function planInputs(over: Record<string, unknown> = {}): BackupPlanInputs {
  const { inputs, failures } = checkBackupPlan({
    planName: "production-db-daily",
    target: { namespace: "production", selector: { app: "postgres-db" } },
    storageLocation: "s3-main-storage",
    schedule: { cron: "0 2 * * *" },
    retention: { daily: 7, weekly: 4, monthly: 6 },
    ...over,
  } as unknown as Partial<BackupPlanInputs>);
  if (failures.length) throw new Error(`fixture does not check: ${JSON.stringify(failures)}`);
  return inputs;
}

/** A location record as BackupStorageLocation writes it (inline credentials → Secret). */
export function locationRecord(name: string, over: Partial<LocationConfig> = {}): LocationConfig {
  return {
    name,
    namespace: "hks-system",
    provider: "aws",
    objectStorage: { bucket: `bucket-${name}`, region: "us-east-1", prefix: "" },
    recipients: [],
    accessMode: "ReadWrite",
    default: false,
    credentials: {
      kind: "secret",
      name: `hks-location-${name}-credentials`,
      namespace: "hks-system",
      accessKeyIdKey: "AWS_ACCESS_KEY_ID",
      secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
    },
    ...over,
  };
}
