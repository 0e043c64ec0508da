/**
 * Holds a write's body errors from the moment the store receives it. The stores await checks (key
 * free, path valid) before they start reading the body; a producer that fails in that window emits
 * 'error' with no listener yet, which Node turns into an uncaught exception that ends the process.
 */
import type { Readable } from "node:stream";

/** What `guardBody` gives back: the body's error so far, and the release of the listener. */
export interface BodyGuard {
  /** Throws the error the body has failed with, if it has. Call before reading it. */
  throwIfFailed(): void;
  /** Removes the guard's listener (the reader's own listeners take over). */
  release(): void;
}

/** Attaches an 'error' listener to `body` at once; see the module comment. */
export function guardBody(body: Readable): BodyGuard {
  let failure: unknown;
  const hold = (err: unknown) => {
    failure ??= err;
  };
  body.on("error", hold);
  return {
    throwIfFailed() {
      const err = failure ?? body.errored;
      if (err) throw err;
    },
    release() {
      body.off("error", hold);
    },
  };
}
