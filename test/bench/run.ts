/**
 * `npm run bench` entry point. The benchmark suites (observe vs per-task baseline vs floor, decide,
 * persist, log resume, CLI cold start) arrive with the benchmarks issue; until then this says so.
 */
process.stdout.write("rekindle bench: no benchmark suites yet (see the Performance section of the README).\n")
