#!/usr/bin/env node
"use strict";
// The `hks` command: the compiled CLI in dist/ (built by `npm install` through the prepare script).
require("../dist/cli/main.js").main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`hks: ${err && err.message ? err.message : err}`); process.exitCode = 1; },
);
