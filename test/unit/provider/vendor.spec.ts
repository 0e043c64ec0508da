import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  bundleFor,
  packageDirOf,
  readVendorManifest,
  useVendorBundles,
  VENDOR_MANIFEST,
  type VendorManifest,
} from "../../../provider/vendor";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-vendor-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const nm = path.join(tmp, "node_modules");
const vendorDir = path.join(tmp, "vendor");
fs.mkdirSync(path.join(nm, "@kubernetes", "client-node", "dist"), { recursive: true });
fs.writeFileSync(path.join(nm, "@kubernetes", "client-node", "package.json"), '{"version":"2.0.1"}');
const entry = path.join(nm, "@kubernetes", "client-node", "dist", "index.js");
fs.writeFileSync(entry, "");
fs.mkdirSync(vendorDir);
fs.writeFileSync(path.join(vendorDir, "k8s.mjs"), "");
const manifest: VendorManifest = { bundles: { "@kubernetes/client-node": { version: "2.0.1", file: "k8s.mjs" } } };

describe("packageDirOf", () => {
  it("finds the innermost node_modules folder of a scoped package", () => {
    const f = path.join("/a", "node_modules", "x", "node_modules", "@kubernetes", "client-node", "dist", "index.js");
    expect(packageDirOf(f, "@kubernetes/client-node")).toBe(
      path.join("/a", "node_modules", "x", "node_modules", "@kubernetes", "client-node"),
    );
  });
  it("is undefined for a file outside the package", () => {
    expect(packageDirOf(path.join("/a", "node_modules", "other", "index.js"), "age-encryption")).toBeUndefined();
  });
});

describe("bundleFor", () => {
  const url = pathToFileURL(entry).href;
  it("is the bundle when the installed version is the one bundled", () => {
    expect(bundleFor(manifest, vendorDir, "@kubernetes/client-node", url)).toBe(path.join(vendorDir, "k8s.mjs"));
  });
  it("is undefined for another installed version: the package loads as usual", () => {
    expect(bundleFor(manifest, vendorDir, "@kubernetes/client-node", url, () => "2.0.2")).toBeUndefined();
  });
  it("is undefined for a package without a bundle, a missing bundle file or a non-file URL", () => {
    expect(bundleFor(manifest, vendorDir, "age-encryption", url)).toBeUndefined();
    expect(bundleFor(manifest, path.join(tmp, "nowhere"), "@kubernetes/client-node", url)).toBeUndefined();
    expect(bundleFor(manifest, vendorDir, "@kubernetes/client-node", "node:fs")).toBeUndefined();
    expect(bundleFor(manifest, vendorDir, "toString", url)).toBeUndefined();
  });
});

describe("readVendorManifest / useVendorBundles", () => {
  it("reads a manifest; undefined without one", () => {
    fs.writeFileSync(path.join(vendorDir, VENDOR_MANIFEST), JSON.stringify(manifest));
    expect(readVendorManifest(vendorDir)).toEqual(manifest);
    expect(readVendorManifest(path.join(tmp, "nowhere"))).toBeUndefined();
  });
  it("installs nothing before Node.js 24 or without a manifest", () => {
    expect(useVendorBundles(vendorDir, "22.15.0")).toBe(false);
    expect(useVendorBundles(path.join(tmp, "nowhere"), "24.21.0")).toBe(false);
  });
});
