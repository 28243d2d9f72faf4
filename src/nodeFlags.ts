/**
 * How node is started for a small resident memory, in one place: addon/run.sh starts the
 * daemon with DAEMON_NODE_FLAGS (a test keeps it in step with this file), the daemon forks its
 * workers with WORKER_NODE_FLAGS, and the tests and benchmarks start the program the same way.
 *
 * `--max-semi-space-size=1`: V8's young generation grows to 3 × 16 MB semi-spaces under
 * allocation (a burst of calls), and the pages stay resident after; 1 MB semi-spaces cost a
 * few more scavenges, each shorter. `--optimize-for-size`: V8 favours a small heap and code
 * over speed (the daemon handles a few packets a second). Both are V8 flags that node takes
 * only on its command line, not from NODE_OPTIONS.
 *
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (V8's GC helpers, libuv's pool)
 * an arena of its own, each keeping freed memory; two are plenty for this program.
 */
const SMALL_HEAP_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--optimize-for-size"];

/**
 * The daemon also without V8's compilers (`--no-opt --no-sparkplug`): its JavaScript runs in
 * V8's interpreter. TurboFan's compiled code and zones, Sparkplug's baseline code and the
 * pages of node's binary that hold the compilers cost about 10 MB resident, for speed the
 * daemon has no use for: it handles a few packets a second (bench:soak has the figures). The
 * price is paid in bulk work only: 100,000 phonebook rows load in 7.5 s instead of 2.0 s,
 * read in pieces between calls.
 * Not `--lite-mode` or `--jitless`: they take WebAssembly away, and with it the HTTP parser of
 * node's fetch (search.ch, tellows, the Supervisor).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  ...SMALL_HEAP_FLAGS,
  "--no-opt",
  "--no-sparkplug",
];

/**
 * The bridge's worker: it forwards every frame of the adapter, so it keeps V8's optimizing
 * compiler.
 */
export const WORKER_NODE_FLAGS: readonly string[] = SMALL_HEAP_FLAGS;

export const MEMORY_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };
