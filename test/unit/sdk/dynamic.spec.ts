/**
 * Guards the "thin provider" rule: what Pulumi serializes into state for each resource kind is a
 * few hundred bytes that only `require("hks-backup/provider")` and forward the call.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { RESOURCE_KINDS } from "../../../provider/kinds";
import { dynamicProvider } from "../../../sdk/dynamic";

/** Identifiers of engine code that must never be captured into the closure. */
const ENGINE_IDENTIFIERS = [
  "S3Client",
  "KubeConfig",
  "makeApiClient",
  "createArchiveWriter",
  "checkLocation",
  "selectRetention",
  "secretAccessKey",
];
/** Upper bound on the serialized size of one provider, in bytes. */
const SIZE_BUDGET = 3072;

describe("serialized dynamic providers", () => {
  for (const kind of RESOURCE_KINDS) {
    it(`${kind}: only loads hks-backup/provider and stays under ${SIZE_BUDGET} bytes`, async () => {
      const provider = dynamicProvider(kind);
      const sf = await pulumi.runtime.serializeFunction(() => provider);
      const text = sf.text;
      expect(text.length).toBeLessThan(SIZE_BUDGET);
      expect(text).toContain(`require("hks-backup/provider")`);
      expect(text).toContain(JSON.stringify(kind));
      for (const id of ENGINE_IDENTIFIERS) expect(text).not.toContain(id);
      // Every lifecycle method is present and forwards to dispatch.
      for (const m of ["check", "diff", "create", "read", "update", "delete"])
        expect(text).toContain(`dispatch(kind, "${m}"`);
      console.log(`${kind}: serialized provider ${text.length} bytes`);
    });
  }
});
