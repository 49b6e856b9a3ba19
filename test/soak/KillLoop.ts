/**
 * Issue 8, fault campaign 1 — the kill -9 loop on real tmux + git with the fake agent: run the soak
 * batch (test/support/soak-batch.ts: 6 tasks, 3 waves, 2 lanes, an agent answered through the
 * at-most-once prompt ledger, numbered progress lines), SIGKILL its supervisor at a random moment,
 * resume with `rekindle resume` (itself SIGKILLed at random, at most 3 times) until the batch is done,
 * and compare with one uninterrupted reference run. Kills are spread on purpose: each iteration plans
 * one of four classes (launch, mid-wave, merge, state save), realised either through a crash point
 * (core/engine/CrashPoints.ts), a kill inside the atomic state write, or a kill from outside timed by
 * what the journal and the agent start log show; every kill is counted by where it really landed.
 * Violations are counted, never thrown; an iteration that shows one keeps its temp dir.
 */
import { type Campaign, type Row, type Scale } from "./Report.ts"
import { iteration, type IterationResult, type KillClass, type Primary, referenceRun, type Rng } from "../support/soak-kill.ts"

/** Iterations and how many run at once, per scale (measured on a loaded 2-core machine). */
const SCALES: Readonly<Record<Scale, { readonly iterations: number; readonly parallel: number }>> = {
  slice: { iterations: 3, parallel: 2 },
  quick: { iterations: 8, parallel: 2 },
  full: { iterations: 50, parallel: 2 }
}

/** Planned classes in turn: the slice's three iterations already cover three of them. */
const CLASSES = ["state save", "merge", "launch", "mid-wave"] as const

/** mulberry32: a small seeded PRNG, so a run is reproducible from the seed in its outcome (timing aside). */
export const prng = (seed: number): Rng => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (Math.max(lo, hi) - lo + 1))

/**
 * The planned kill of iteration `i`, sized by what the reference run reached (crash points, state
 * save steps, duration) so that it lands before the batch ends. Classes rotate; each alternates
 * between two ways of hitting it.
 */
export const planKill = (i: number, rng: Rng, reached: Readonly<Record<string, number>>, referenceMs: number): Primary => {
  const other = Math.floor(i / CLASSES.length) % 2 === 1
  // Counts that depend on timing (state saves, log passes) vary between runs: aim below the reference's.
  const upTo = (label: string, fallback: number, share = 1) => Math.max(1, Math.floor((reached[label] ?? fallback) * share))
  switch (CLASSES[i % CLASSES.length]!) {
    case "state save":
      return { kind: "save", at: between(rng, 1, upTo("save", 100, 0.8)) }
    case "merge":
      return other
        ? { kind: "merge-open", at: between(rng, 1, upTo("merge:before-advance", 6)) }
        : { kind: "hook", labels: ["merge:before-advance"], at: between(rng, 1, upTo("merge:before-advance", 6)), cls: "merge" }
    case "launch":
      return other
        ? { kind: "starts", at: between(rng, 1, upTo("run:before-launch", 6)) }
        : { kind: "hook", labels: ["run:before-launch"], at: between(rng, 1, upTo("run:before-launch", 6)), cls: "launch" }
    case "mid-wave":
      return other
        ? { kind: "hook", labels: ["logs:after-sink"], at: between(rng, 1, upTo("logs:after-sink", 5, 0.8)), cls: "mid-wave" }
        : { kind: "delay", ms: between(rng, 300, Math.round(referenceMs * 0.9)) }
  }
}

/** Run `n` jobs, at most `parallel` at a time, results in job order. */
const pool = async <A>(n: number, parallel: number, job: (i: number) => Promise<A>): Promise<ReadonlyArray<A>> => {
  const out: Array<A> = []
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      out[i] = await job(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker))
  return out
}

const KILL_COUNTS: ReadonlyArray<readonly [KillClass, string]> = [
  ["launch", "killed at launch"], ["mid-wave", "killed mid-wave"], ["merge", "killed in a merge"], ["state save", "killed in a state save"],
  ["during resume", "killed during resume"], ["answer handoff", "killed for the answer"]
]
const BAD = ["lost", "twice", "doublePrompt", "promptUnsettled", "logLost", "logDup", "logOrder", "treeMismatch", "errors"] as const

/** Fold the iterations into the campaign's one row. */
export const summarise = (seed: number, results: ReadonlyArray<IterationResult>, ms: number, parallel: number): Row => {
  const counts: Record<string, number> = Object.fromEntries(BAD.map((k) => [k, 0]))
  for (const r of results) {
    if (r.error !== undefined || r.judged === undefined) counts["errors"]! += 1
    if (r.judged !== undefined) for (const k of BAD) if (k !== "errors") counts[k]! += r.judged[k]
  }
  for (const [cls, name] of KILL_COUNTS) counts[name] = results.reduce((n, r) => n + r.kills[cls], 0)
  counts["deliverer killed"] = results.reduce((n, r) => n + r.delivererKills, 0)
  counts["planned kill missed"] = results.filter((r) => r.missed).length
  const bad = results.filter((r) => r.kept)
  const ledger = new Map<string, number>()
  for (const s of results.flatMap((r) => r.prompts)) ledger.set(s, (ledger.get(s) ?? 0) + 1)
  const seconds = Math.round(ms / 1000)
  const head = `seed 0x${seed.toString(16)}; ${results.length} iterations, ${parallel} at a time, ${seconds} s; answer ledger ${[...ledger].map(([s, n]) => `${s} ×${n}`).join(", ")}`
  const worst = bad[0]
  const outcome = worst === undefined
    ? `${head}; every batch completed as the reference (same statuses, same tree)`
    : `${head}; ${bad.length} bad iteration(s), first: ${worst.error ?? worst.judged?.notes.join("; ")} after ${worst.trace.join(" → ")} (kept ${bad.map((r) => r.dir).join(", ")})`
  return { group: "kill -9 loop", case: "SIGKILL supervisor at a random moment, resume until done", runs: results.length, counts, bad: [...BAD], outcome }
}

/** The campaign. `REKINDLE_SOAK_SEED` (decimal or 0x-hex) replays a seed. */
export const campaign: Campaign = {
  name: "kill -9 loop",
  run: async (scale) => {
    const { iterations, parallel } = SCALES[scale]
    const fromEnv = process.env["REKINDLE_SOAK_SEED"]
    const seed = fromEnv !== undefined && fromEnv !== "" ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32)
    const t0 = Date.now()
    let reference: Awaited<ReturnType<typeof referenceRun>>
    try {
      reference = await referenceRun()
    } catch (e) {
      const counts = Object.fromEntries(BAD.map((k) => [k, k === "errors" ? 1 : 0]))
      return [{ group: "kill -9 loop", case: "SIGKILL supervisor at a random moment, resume until done", runs: 0, counts, bad: [...BAD], outcome: `seed 0x${seed.toString(16)}; the reference run failed: ${e instanceof Error ? e.message : String(e)}` }]
    }
    const results = await pool(iterations, parallel, (i) => {
      const rng = prng(seed + i)
      return iteration({ primary: planKill(i, rng, reference.reached, reference.ms), rng, reference: reference.outcome, timeoutMs: 150_000 })
    })
    return [summarise(seed, results, Date.now() - t0, parallel)]
  }
}
