/**
 * The quickstart: what `npm run demo` deploys on the embedded local environment.
 * A storage location on the local MinIO (the demo passes its endpoint and keys as stack config;
 * the keys are Pulumi secrets and reach the cluster only as a Kubernetes Secret).
 */
import * as pulumi from "@pulumi/pulumi";
import * as hks from "hks-backup";

const cfg = new pulumi.Config();

const storage = new hks.BackupStorageLocation("s3-main-storage", {
  provider: "aws",
  objectStorage: {
    bucket: cfg.get("bucket") ?? "hks-quickstart-backups",
    region: "us-east-1",
    endpoint: cfg.require("s3Endpoint"),
  },
  credentials: {
    accessKeyId: cfg.requireSecret("s3AccessKeyId"),
    secretAccessKey: cfg.requireSecret("s3SecretAccessKey"),
  },
  versioning: true,
  serverSideEncryption: { type: "SSE-S3" },
  tags: { app: "hks-quickstart" },
  default: true,
});

export const location = { name: storage.locationName, url: storage.url, phase: storage.phase, capabilities: storage.capabilities };
