/**
 * How the examples reach object storage. On AWS, leave `s3Endpoint` unset and use the ambient
 * credentials; on the embedded local environment (`npm run demo`, the tests), the MinIO endpoint and
 * keys come from stack config, the keys as Pulumi secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as hks from "hks-backup";

const cfg = new pulumi.Config();

/** Object storage for `bucket`: the local MinIO when `s3Endpoint` is configured, else AWS S3. */
export function objectStorage(bucket: string, region = "us-east-1"): hks.ObjectStorageArgs {
  const endpoint = cfg.get("s3Endpoint");
  return {
    bucket: cfg.get("bucketPrefix") ? `${cfg.get("bucketPrefix")}-${bucket}` : bucket,
    region,
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Static keys from secret config, or undefined for the ambient AWS credential chain. */
export function credentials(): hks.S3CredentialsArgs | undefined {
  const id = cfg.getSecret("s3AccessKeyId");
  const secret = cfg.getSecret("s3SecretAccessKey");
  return id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;
}
