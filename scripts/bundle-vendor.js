#!/usr/bin/env node
// Writes dist/vendor/: one minified ES module per package of provider/vendor.ts's VENDOR_PACKAGES
// (the CLI and the provider load it instead of the package's many files; see that module), shared
// code in chunks, and manifest.json with each package's version. Runs after tsc (it reads
// dist/provider/vendor.js), from `npm run build`, scripts/build-package.js, scripts/setup.sh and the
// Dockerfile. Checks that each bundle exports
// exactly the names the package does. Without rolldown (a devDependency) it says so and writes
// nothing: the CLI then loads the packages as usual. `--quiet`: no summary line (scripts/setup.sh).
"use strict";
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist", "vendor");

async function main() {
  const t0 = Date.now();
  const vendor = require(path.join(root, "dist", "provider", "vendor.js"));
  let rolldown;
  try {
    rolldown = require(require.resolve("rolldown", { paths: [root] }));
  } catch {
    console.error("bundle-vendor: rolldown is not installed; the CLI and the provider load their packages unbundled");
    fs.rmSync(out, { recursive: true, force: true });
    return;
  }
  fs.rmSync(out, { recursive: true, force: true });
  const input = {};
  const bundles = {};
  for (const pkg of vendor.VENDOR_PACKAGES) {
    const name = pkg.replace(/^@/, "").replace(/\//g, "-");
    const dir = vendor.packageDirOf(require.resolve(pkg, { paths: [root] }), pkg);
    const version = dir && vendor.installedVersion(dir);
    if (!version) throw new Error(`cannot find the installed version of ${pkg}`);
    input[name] = pkg;
    bundles[pkg] = { version, file: `${name}.mjs` };
  }
  await rolldown.build({
    input,
    cwd: root,
    platform: "node",
    logLevel: "warn",
    output: {
      dir: out,
      // Function and class names stay as written: error names and stack frames read the same.
      keepNames: true,
      format: "esm",
      minify: true,
      entryFileNames: "[name].mjs",
      chunkFileNames: "chunk-[hash].mjs",
    },
  });
  for (const [pkg, b] of Object.entries(bundles)) {
    const [real, bundled] = await Promise.all([import(pkg), import(pathToFileURL(path.join(out, b.file)).href)]);
    const want = Object.keys(real).sort().join(",");
    if (Object.keys(bundled).sort().join(",") !== want) throw new Error(`the bundle of ${pkg} exports other names`);
  }
  fs.writeFileSync(path.join(out, vendor.VENDOR_MANIFEST), JSON.stringify({ bundles }, null, 2) + "\n");
  if (process.argv.includes("--quiet")) return;
  const size = fs.readdirSync(out).reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
  console.error(
    `bundle-vendor: ${Object.entries(bundles)
      .map(([p, b]) => `${p} ${b.version}`)
      .join(", ")} in dist/vendor (${(size / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

main().catch((err) => {
  console.error(`bundle-vendor: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
