/**
 * Builds the S3 client for a location. One factory, shared by the object store and by bucket
 * provisioning, so both talk to the service the same way. Credentials go into the client only:
 * they are never logged (the SDK logger stays off) and never appear in messages.
 */
import * as https from "node:https";
import { S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_S3_IDLE_TIMEOUT_MS, type S3ClientConfig } from "./s3-config";

/**
 * Creates an S3 client for `config`. Without `config.credentials` the SDK's default chain applies
 * (env `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, shared profile, web identity, instance metadata).
 * Validate the config first (`assertValidS3Config`); this function does no I/O.
 * @param config region, endpoint, path style, credentials and CA bundle.
 */
export function createS3Client(config: S3ClientConfig): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    // S3-compatible servers are usually addressed by IP or a single host name, where virtual-hosted
    // style (bucket.host) cannot resolve; AWS itself prefers virtual-hosted style.
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    credentials: config.credentials
      ? {
          accessKeyId: config.credentials.accessKeyId,
          secretAccessKey: config.credentials.secretAccessKey,
          sessionToken: config.credentials.sessionToken,
        }
      : undefined,
    // A bucket in another region answers with a redirect; follow it rather than fail the backup.
    followRegionRedirects: true,
    requestHandler: {
      // An endpoint that stops answering (frozen, or a network path dropping packets) would otherwise
      // hold a request, and the backup, forever: no byte for this long is a TimeoutError, which the
      // SDK's retry strategy retries and then reports (issue 8, "Faults": MinIO frozen mid-upload).
      connectionTimeout: config.idleTimeoutMs ?? DEFAULT_S3_IDLE_TIMEOUT_MS,
      socketTimeout: config.idleTimeoutMs ?? DEFAULT_S3_IDLE_TIMEOUT_MS,
      // Passing agent options (not an agent instance) lets the SDK keep its own pooling defaults.
      ...(config.caBundle ? { httpsAgent: new https.Agent({ ca: config.caBundle, keepAlive: true }) } : {}),
    },
  });
}
