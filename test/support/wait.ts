/** Polling for tests that wait on controllers, processes or storage. */

/**
 * Calls `probe` every `intervalMs` until it returns a value other than `undefined` (a probe that
 * throws counts as "not yet"), and returns that value; throws naming `what` after `ms`.
 */
export async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 300,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
