"use strict";
// Written for any Node.js (no syntax newer than ES2015): it runs before anything else of hks, to
// turn "too old a Node.js" into one clear line instead of a TypeError deep inside undici.

/** The oldest Node.js major version hks runs on (undici 8 in @kubernetes/client-node needs 22). */
const MIN_NODE_MAJOR = 22;

/**
 * The message for a Node.js version hks cannot run on, or undefined when `version` (like "v20.20.2")
 * is new enough.
 */
function nodeVersionProblem(version) {
  const match = /^v?(\d+)\./.exec(String(version));
  const major = match ? Number(match[1]) : NaN;
  if (major >= MIN_NODE_MAJOR) return undefined;
  return (
    "hks needs Node.js >= " + MIN_NODE_MAJOR + " (found " + version + "); " +
    "install Node.js " + MIN_NODE_MAJOR + " or newer (nodejs.org or your package manager), " +
    "or in a clone of hks-backup put its own Node 24 first: export PATH=\"$PWD/node_modules/.bin:$PATH\""
  );
}

module.exports = { MIN_NODE_MAJOR, nodeVersionProblem };
