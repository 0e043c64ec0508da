#!/usr/bin/env node
// Builds dist/ for the npm package. `prepack` (npm pack, npm publish): removes dist/ first, so no
// output of a deleted source is shipped, compiles, and checks that every entry point package.json
// names (main, types, exports, bin) exists. `--prepare` (the prepare script: npm install in a
// clone): compiles, unless npm is packing or publishing, where prepack has just built dist/.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const prepare = process.argv.includes("--prepare");

if (prepare && ["pack", "publish"].includes(process.env.npm_command ?? "")) process.exit(0);
if (!prepare) fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });

const t0 = Date.now();
const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
const res = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { cwd: root, stdio: "inherit" });
if (res.status !== 0) {
  console.error(`build-package: tsc failed (exit ${res.status ?? res.signal})`);
  process.exit(1);
}
// One-file builds of the ES module dependencies of the CLI and the provider (provider/vendor.ts),
// into dist/vendor.
const vendor = spawnSync(process.execPath, [path.join(__dirname, "bundle-vendor.js")], {
  cwd: root,
  stdio: "inherit",
});
if (vendor.status !== 0) {
  console.error(`build-package: bundle-vendor failed (exit ${vendor.status ?? vendor.signal})`);
  process.exit(1);
}
if (prepare) process.exit(0);

const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const entries = new Set([pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})]);
for (const target of Object.values(pkg.exports ?? {})) {
  if (typeof target === "string") entries.add(target);
  else for (const file of Object.values(target)) entries.add(file);
}
const missing = [...entries].filter((f) => f && !fs.existsSync(path.join(root, f)));
if (missing.length) {
  console.error(`build-package: package.json names files the build did not produce: ${missing.join(", ")}`);
  process.exit(1);
}
console.error(
  `build-package: dist/ built in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${entries.size} entry points present`,
);
