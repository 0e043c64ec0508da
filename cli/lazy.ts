/**
 * Commands load what they run only when they run: `hks --version` or `hks backup list --help` must
 * not pay for the Kubernetes and S3 clients (about 2 s of module loading on a busy machine).
 */

/** A commander action that imports its module on first use and calls its export `name`. */
export function lazyAction<M, K extends keyof M>(
  load: () => Promise<M>,
  name: K,
): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const action = (await load())[name] as (...a: unknown[]) => unknown;
    await action(...args);
  };
}
