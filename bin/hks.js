#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=50
"use strict";
// The shebang's node flags are the engine's heap sizing (provider/node-flags.ts; a unit test keeps
// them equal). `env -S` splits them (coreutils >= 8.30, macOS; npm's Windows shims read it too).
// The `hks` command: the compiled CLI in dist/ (built by `npm install` through the prepare script).
const tooOld = require("./node-version.js").nodeVersionProblem(process.version);
if (tooOld) {
  console.error(tooOld);
  process.exit(1);
}
// V8's code cache, and one-file builds of @kubernetes/client-node and age-encryption (dist/vendor,
// when the build made them for the installed versions) instead of their many modules: ~0.4 s less
// per command that talks to a cluster (provider/vendor.ts). Commands load what they run only when
// they run (cli/lazy.ts).
require("../dist/provider/vendor.js").useFastLoading(require("node:path").join(__dirname, "../dist/vendor"));
require("../dist/cli/main.js")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`hks: ${err && err.message ? err.message : err}`);
      process.exitCode = 1;
    },
  );
