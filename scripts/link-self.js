#!/usr/bin/env node
// Links this package into its own node_modules so that Pulumi programs under examples/ and the
// dynamic provider (which require "hks-backup/provider" by package name) resolve the working tree,
// and so that `npx hks` finds the CLI in a clone. npm does not link a root package's own bin.
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
const nm = path.join(root, "node_modules");
function link(target, at) {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  try {
    fs.rmSync(at, { force: true, recursive: false });
  } catch {
    /* absent */
  }
  fs.symlinkSync(path.relative(path.dirname(at), target), at);
}
if (fs.existsSync(nm)) {
  link(root, path.join(nm, "hks-backup"));
  link(path.join(root, "bin", "hks.js"), path.join(nm, ".bin", "hks"));
}
