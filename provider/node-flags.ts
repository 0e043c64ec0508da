/**
 * V8 heap sizing for processes that run backups and restores: the CronJob runner (its container
 * command), the `hks` CLI (its shebang) and the benchmark's workers. Unit tests keep the three in step.
 *
 * Why: a backup parses LIST pages of up to 500 objects and serialises them one by one. With V8's
 * defaults on a large machine (a 32 MiB+ young generation, old space allowed to grow several-fold
 * between full collections) pages waiting their turn are promoted, and the old space fills with
 * dead objects before the first full GC: 340 MiB peak RSS at 50,000 objects, of which about 50 MiB
 * was live. A smaller young generation and a slower old-space growth keep the peak at about 200 MiB
 * for a few percent of time (bench, README). Neither is a hard cap: a cluster with huge objects still
 * gets the memory it needs (bounded by the Pod's limit), unlike `--max-old-space-size`.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8", "--heap-growing-percent=50"];
