/**
 * Single-file builds of two ESM dependencies, @kubernetes/client-node and age-encryption, which `hks`
 * and the dynamic provider's process load instead of the packages' own files. client-node is about
 * a thousand ES modules (every API group and model): resolving, reading and linking them took ~0.6 s
 * of each `hks backup create`, more than the backup of 1,000 objects itself; its bundle loads in
 * about a third of that.
 *
 * scripts/bundle-vendor.js writes the bundles (rolldown, minified, names kept) and a manifest with
 * each package's version into dist/vendor/ after tsc. bin/hks.js and the provider module (index.ts)
 * call useFastLoading() before they load any handler or command, so every import of those
 * packages in the process, ours and their dependents', gets the same bundle. A package is swapped
 * only when its installed version is the version bundled; without a manifest (a build without the
 * step, or the sources run by the tests), on Node.js < 24 or without `module.registerHooks`, nothing
 * changes and the packages load as usual. The SDK (the user's program) never installs the hook.
 */
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The packages bundled: ES modules with many files (CommonJS packages gain less; none is here). */
export const VENDOR_PACKAGES = ["@kubernetes/client-node", "age-encryption"] as const;

/** The manifest's name in the bundles' folder. */
export const VENDOR_MANIFEST = "manifest.json";

/** What scripts/bundle-vendor.js records: per package name, the version bundled and its file. */
export interface VendorManifest {
  bundles: Record<string, { version: string; file: string }>;
}

/** The folder of `pkg` (a package name) that `resolvedFile` (a file of it) is in; undefined if none. */
export function packageDirOf(resolvedFile: string, pkg: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}${pkg.split("/").join(path.sep)}${path.sep}`;
  const i = resolvedFile.lastIndexOf(marker);
  return i < 0 ? undefined : resolvedFile.slice(0, i + marker.length - 1);
}

/** The version in `dir`/package.json; undefined when it cannot be read. */
export function installedVersion(dir: string): string | undefined {
  try {
    const v = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest in `dir`; undefined when absent or not one. */
export function readVendorManifest(dir: string): VendorManifest | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, VENDOR_MANIFEST), "utf8")) as Partial<VendorManifest>;
    return m && typeof m.bundles === "object" && m.bundles !== null ? (m as VendorManifest) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bundle file to load for `pkg` resolved to `resolvedUrl`: when the manifest has a bundle of it
 * and the package folder it resolved to holds that same version. Undefined otherwise (load as usual).
 */
export function bundleFor(
  manifest: VendorManifest,
  dir: string,
  pkg: string,
  resolvedUrl: string,
  versionOf: (packageDir: string) => string | undefined = installedVersion,
): string | undefined {
  const bundle = Object.hasOwn(manifest.bundles, pkg) ? manifest.bundles[pkg] : undefined;
  if (!bundle || !resolvedUrl.startsWith("file:")) return undefined;
  const pkgDir = packageDirOf(fileURLToPath(resolvedUrl), pkg);
  if (!pkgDir || versionOf(pkgDir) !== bundle.version) return undefined;
  const file = path.join(dir, bundle.file);
  return fs.existsSync(file) ? file : undefined;
}

/** Whether this process has the hook already: a second one would resolve every import twice. */
let hookInstalled = false;

/**
 * Makes this process load the bundles in `dir` for their packages (see the module comment), once per
 * process. Returns whether the hook is installed. `nodeVersion`: for tests.
 */
export function useVendorBundles(dir: string, nodeVersion: string = process.versions.node): boolean {
  if (hookInstalled) return true;
  // Node 22's registerHooks (22.15+) was still experimental; 24's is a release candidate.
  if (Number(nodeVersion.split(".")[0]) < 24 || typeof nodeModule.registerHooks !== "function") return false;
  const manifest = readVendorManifest(dir);
  if (!manifest) return false;
  // Per package folder, decided once: the bundle's URL, or null to load the package as usual.
  const decided = new Map<string, string | null>();
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (!Object.hasOwn(manifest.bundles, specifier)) return resolved;
      let url = decided.get(resolved.url);
      if (url === undefined) {
        const file = bundleFor(manifest, dir, specifier, resolved.url);
        url = file ? pathToFileURL(file).href : null;
        decided.set(resolved.url, url);
      }
      return url ? { url, format: "module", shortCircuit: true } : resolved;
    },
  });
  hookInstalled = true;
  return true;
}

/**
 * What a process of ours does before it loads a command or a handler (bin/hks.js, the provider
 * module): V8's code cache for the modules it compiles (Node >= 22.1; in the OS temp folder, or
 * NODE_COMPILE_CACHE; later starts skip compiling them) and the bundles in `dir`.
 */
export function useFastLoading(dir: string): void {
  nodeModule.enableCompileCache?.();
  useVendorBundles(dir);
}
