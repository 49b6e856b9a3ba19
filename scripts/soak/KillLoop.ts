/**
 * Issue 8, fault campaign 1 — the kill -9 loop on real tmux + git with the fake agent: run the soak
 * batch (scripts/soak/KillLoopBatch.ts: 6 tasks, 3 waves, 2 lanes, an agent answered through the
 * at-most-once prompt ledger, numbered progress lines), SIGKILL its supervisor at a random moment,
 * resume with `rekindle resume` (itself SIGKILLed at random, at most 3 times) until the batch is done,
 * and compare with one uninterrupted reference run. Kills are spread on purpose: each iteration plans
 * one of four classes (launch, mid-wave, merge, state save), realised either through a crash point
 * (core/engine/apply/CrashPoints.ts), a kill inside the atomic state write, or a kill from outside timed by
 * what the journal and the agent start log show; every kill is counted by where it really landed.
 * Violations are counted, never thrown; an iteration that shows one keeps its temp dir.
 *
 * Issue 13 ("close the blind spot") adds three modes, each its own row and judged on the world
 * (processes, `tmux -L` panes and sessions, git refs and worktrees, files, the agents' start log):
 * - reboot: supervisor, private tmux server and every pane's processes SIGKILLed together while three
 *   agents run (a wider batch variant); `rekindle resume` must start each killed agent at most once
 *   more and end the batch as that variant's reference run;
 * - agent fails during downtime: the supervisor is SIGKILLed while `c` runs, then `c` exits 3 without
 *   its marker with nobody watching; after `resume` it must be `failed` with exit status 3, started
 *   once, its dependents handled by the failure policy — as an uninterrupted run of the same variant;
 * - killed in cleanup: the supervisor dies at each `finish:*` crash point (core/engine/waves/FinishBatch.ts);
 *   `resume` (or `repair --yes` once the batch says completed) must leave nothing behind: no task
 *   session, no worktree but the main one, no `rekindle/<batch>/*` branch, every task's work on main.
 * Every iteration of every mode that ends `completed` is held to "nothing left behind" too.
 */
import type { Campaign, Row, Scale } from "./Report.ts"
import { FAILING, type SoakVariant, STANDARD, WIDE } from "./KillLoopBatch.ts"
import {
  iteration,
  type IterationResult,
  type KillClass,
  type Primary,
  referenceRun,
  type Rng
} from "./KillLoopIteration.ts"

/** The loop's modes: the random kill of issue 8, and issue 13's reboot, failure during downtime, kill in the cleanup. */
type Mode = "random" | "reboot" | "downtime" | "cleanup"
const MODES: ReadonlyArray<Mode> = ["random", "reboot", "downtime", "cleanup"]

/** Iterations per mode and how many run at once, per scale (measured on a loaded 2-core machine). */
const SCALES: Readonly<
  Record<Scale, { readonly iterations: Readonly<Record<Mode, number>>; readonly parallel: number }>
> = {
  slice: { iterations: { random: 3, reboot: 1, downtime: 1, cleanup: 1 }, parallel: 2 },
  quick: { iterations: { random: 8, reboot: 2, downtime: 2, cleanup: 4 }, parallel: 2 },
  full: { iterations: { random: 50, reboot: 6, downtime: 4, cleanup: 8 }, parallel: 2 }
}

/** The batch each mode runs (each compared with a reference run of it). */
const VARIANT: Readonly<Record<Mode, SoakVariant>> = {
  random: STANDARD,
  reboot: WIDE,
  downtime: FAILING,
  cleanup: STANDARD
}

/** The end-of-batch cleanup's crash points, in the order it reaches them. */
export const FINISH_POINTS = [
  "finish:before-remove",
  "finish:before-delete-branch",
  "finish:before-close-sessions",
  "finish:before-completed"
] as const

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
export const planKill = (
  i: number,
  rng: Rng,
  reached: Readonly<Record<string, number>>,
  referenceMs: number
): Primary => {
  const other = Math.floor(i / CLASSES.length) % 2 === 1
  // Counts that depend on timing (state saves, log passes) vary between runs: aim below the reference's.
  const upTo = (label: string, fallback: number, share = 1) =>
    Math.max(1, Math.floor((reached[label] ?? fallback) * share))
  switch (CLASSES[i % CLASSES.length]!) {
    case "state save":
      return { kind: "save", at: between(rng, 1, upTo("save", 100, 0.8)) }
    case "merge":
      return other
        ? { kind: "merge-open", at: between(rng, 1, upTo("merge:before-advance", 6)) }
        : {
            kind: "hook",
            labels: ["merge:before-advance"],
            at: between(rng, 1, upTo("merge:before-advance", 6)),
            cls: "merge"
          }
    case "launch":
      return other
        ? { kind: "starts", at: between(rng, 1, upTo("run:before-launch", 6)) }
        : {
            kind: "hook",
            labels: ["run:before-launch"],
            at: between(rng, 1, upTo("run:before-launch", 6)),
            cls: "launch"
          }
    case "mid-wave":
      return other
        ? {
            kind: "hook",
            labels: ["logs:after-sink"],
            at: between(rng, 1, upTo("logs:after-sink", 5, 0.8)),
            cls: "mid-wave"
          }
        : { kind: "delay", ms: between(rng, 300, Math.round(referenceMs * 0.9)) }
  }
}

/** The planned kill of the `i`-th iteration of an issue-13 mode. Cleanup points rotate, so four iterations cover all. */
export const planMode = (
  mode: Exclude<Mode, "random">,
  i: number,
  rng: Rng,
  reached: Readonly<Record<string, number>>
): Primary => {
  switch (mode) {
    case "reboot":
      // The wide wave's agents run ~3 s each (together for ~2 s): reboot at once or up to a second later.
      return { kind: "reboot", afterMs: between(rng, 0, 1_000) }
    case "downtime":
      return { kind: "downtime-fail", task: FAILING.tasks.find((t) => t.gate !== undefined)!.id }
    case "cleanup": {
      const label = FINISH_POINTS[i % FINISH_POINTS.length]!
      return { kind: "hook", labels: [label], at: between(rng, 1, Math.max(1, reached[label] ?? 1)), cls: "cleanup" }
    }
  }
}

/** At most `n` jobs at a time: `slot(job)` runs `job` once one of `n` slots is free (first come, first served). */
const slots = (n: number) => {
  let free = n
  const waiting: Array<() => void> = []
  return async <A>(job: () => Promise<A>): Promise<A> => {
    if (free > 0) free -= 1
    else await new Promise<void>((go) => waiting.push(go))
    try {
      return await job()
    } finally {
      const next = waiting.shift()
      if (next !== undefined) next()
      else free += 1
    }
  }
}

const KILL_COUNTS: ReadonlyArray<readonly [KillClass, string]> = [
  ["launch", "killed at launch"],
  ["mid-wave", "killed mid-wave"],
  ["merge", "killed in a merge"],
  ["state save", "killed in a state save"],
  ["during resume", "killed during resume"],
  ["answer handoff", "killed for the answer"]
]
const BAD = [
  "lost",
  "policyMismatch",
  "twice",
  "doublePrompt",
  "promptUnsettled",
  "logLost",
  "logDup",
  "logOrder",
  "treeMismatch",
  "exitMismatch",
  "leftoverSessions",
  "leftoverWorktrees",
  "leftoverBranches",
  "errors"
] as const

/** Each mode's row: what it did, and its own counts (beyond the violation counts every row has). */
const ROWS: Readonly<
  Record<
    Mode,
    {
      readonly case: string
      readonly counts: (rs: ReadonlyArray<IterationResult>) => Record<string, number>
      readonly ok: string
    }
  >
> = {
  random: {
    case: "SIGKILL supervisor at a random moment, resume until done",
    ok: "every batch completed as the reference (same statuses, same tree), nothing left behind",
    counts: (rs) => ({
      ...Object.fromEntries(KILL_COUNTS.map(([cls, name]) => [name, rs.reduce((n, r) => n + r.kills[cls], 0)])),
      "deliverer killed": rs.reduce((n, r) => n + r.delivererKills, 0),
      "planned kill missed": rs.filter((r) => r.missed).length
    })
  },
  reboot: {
    case: "reboot: supervisor + tmux server + agents SIGKILLed together (≥3 agents running), resume until done",
    ok: "every batch completed as the wide reference, each killed agent started once more, nothing left behind",
    counts: (rs) => ({
      reboots: rs.reduce((n, r) => n + r.kills.reboot, 0),
      "agents running at reboot": sum(rs, "agents running at reboot"),
      "agents surviving the reboot": sum(rs, "agents surviving the reboot"),
      "tmux server surviving the reboot": sum(rs, "tmux server surviving the reboot"),
      "reboot missed": rs.filter((r) => r.missed).length,
      "killed during resume": rs.reduce((n, r) => n + r.kills["during resume"], 0),
      "killed for the answer": rs.reduce((n, r) => n + r.kills["answer handoff"], 0)
    })
  },
  downtime: {
    case: "agent exits 3 without its marker while no supervisor runs, resume",
    ok: "every batch ended as the failing reference (c failed with exit 3, started once, dependents skipped)",
    counts: (rs) => ({
      "supervisor killed while c ran": rs.reduce((n, r) => n + r.kills["downtime failure"], 0),
      "agent exited while down": sum(rs, "agent exited while down"),
      "pane showed its exit status": sum(rs, "pane showed its exit status"),
      "planned kill missed": rs.filter((r) => r.missed).length,
      "killed during resume": rs.reduce((n, r) => n + r.kills["during resume"], 0),
      "killed for the answer": rs.reduce((n, r) => n + r.kills["answer handoff"], 0)
    })
  },
  cleanup: {
    case: "SIGKILL supervisor at a finish:* crash point (end-of-batch cleanup), resume (repair --yes) until done",
    ok: "every batch completed as the reference: no task session, only the main worktree, no rekindle/kl/* branch",
    counts: (rs) => ({
      ...Object.fromEntries(FINISH_POINTS.map((p) => [`killed at ${p}`, sum(rs, `killed at ${p}`)])),
      "repair run": sum(rs, "repair run"),
      "completed with leftovers, repaired": sum(rs, "completed with leftovers, repaired"),
      "planned kill missed": rs.filter((r) => r.missed).length,
      "killed during resume": rs.reduce((n, r) => n + r.kills["during resume"], 0)
    })
  }
}

const sum = (rs: ReadonlyArray<IterationResult>, fact: string): number =>
  rs.reduce((n, r) => n + (r.facts[fact] ?? 0), 0)

/** Fold one mode's iterations into its row. */
export const summarise = (
  mode: Mode,
  seed: number,
  results: ReadonlyArray<IterationResult>,
  parallel: number,
  campaignMs?: number
): Row => {
  const counts: Record<string, number> = Object.fromEntries(BAD.map((k) => [k, 0]))
  for (const r of results) {
    if (r.error !== undefined || r.judged === undefined) counts["errors"]! += 1
    if (r.judged !== undefined) for (const k of BAD) if (k !== "errors") counts[k]! += r.judged[k]
  }
  Object.assign(counts, ROWS[mode].counts(results))
  const bad = results.filter((r) => r.kept)
  const ledger = new Map<string, number>()
  for (const s of results.flatMap((r) => r.prompts)) ledger.set(s, (ledger.get(s) ?? 0) + 1)
  const each = results.length === 0 ? 0 : Math.round(results.reduce((n, r) => n + r.ms, 0) / results.length / 1000)
  const head = `seed 0x${seed.toString(16)}; ${results.length} iterations, ${parallel} at a time, ${each} s each${campaignMs === undefined ? "" : `, campaign ${Math.round(campaignMs / 1000)} s`}; answer ledger ${[...ledger].map(([s, n]) => `${s} ×${n}`).join(", ")}`
  const worst = bad[0]
  const outcome =
    worst === undefined
      ? `${head}; ${ROWS[mode].ok}`
      : `${head}; ${bad.length} bad iteration(s), first: ${worst.error ?? worst.judged?.notes.join("; ")} after ${worst.trace.join(" → ")} (kept ${bad.map((r) => r.dir).join(", ")})`
  return { group: "kill -9 loop", case: ROWS[mode].case, runs: results.length, counts, bad: [...BAD], outcome }
}

/** The campaign. `REKINDLE_SOAK_SEED` (decimal or 0x-hex) replays a seed. */
export const campaign: Campaign = {
  name: "kill -9 loop",
  run: async (scale) => {
    const { iterations, parallel } = SCALES[scale]
    const fromEnv = process.env["REKINDLE_SOAK_SEED"]
    const seed = fromEnv !== undefined && fromEnv !== "" ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32)
    const t0 = Date.now()
    const modes = MODES.filter((m) => iterations[m] > 0)
    // At most `parallel` runs at once: first one reference run per batch variant in use, then the
    // iterations, each queued as soon as its reference is known (the standard ones need not wait for
    // the variants' references).
    const slot = slots(parallel)
    const variants = [...new Set(modes.map((m) => VARIANT[m]))]
    const refs = new Map(
      variants.map((v) => [
        v,
        slot(() => referenceRun(v)).then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e })
        )
      ])
    )
    // Every mode's iterations interleaved (the new modes first: one slow mode does not trail).
    const jobs: Array<{ readonly mode: Mode; readonly i: number }> = []
    for (let i = 0; jobs.length < modes.reduce((n, m) => n + iterations[m], 0); i++) {
      for (const m of [...modes.slice(1), modes[0]!]) if (i < iterations[m]) jobs.push({ mode: m, i })
    }
    const results = await Promise.all(
      jobs.map(({ mode, i }) =>
        refs.get(VARIANT[mode])!.then((ref) => {
          if (!ref.ok) return undefined
          const offset = MODES.indexOf(mode) * 1_000
          const rng = prng(seed + offset + i)
          const primary =
            mode === "random" ? planKill(i, rng, ref.r.reached, ref.r.ms) : planMode(mode, i, rng, ref.r.reached)
          return slot(() =>
            iteration({ primary, rng, reference: ref.r.outcome, variant: VARIANT[mode], timeoutMs: 150_000 })
          )
        })
      )
    )
    const settled = new Map(await Promise.all(variants.map(async (v) => [v, await refs.get(v)!] as const)))
    return modes.map((mode) => {
      const ref = settled.get(VARIANT[mode])!
      if (!ref.ok) {
        const counts = Object.fromEntries(BAD.map((k) => [k, k === "errors" ? 1 : 0]))
        const why = ref.e instanceof Error ? ref.e.message : String(ref.e)
        return {
          group: "kill -9 loop",
          case: ROWS[mode].case,
          runs: 0,
          counts,
          bad: [...BAD],
          outcome: `seed 0x${seed.toString(16)}; the ${VARIANT[mode].name} reference run failed: ${why}`
        }
      }
      const mine = results.filter((r, k): r is IterationResult => r !== undefined && jobs[k]!.mode === mode)
      // The first row also says how long the whole campaign took (reference runs included).
      return summarise(mode, seed, mine, parallel, mode === modes[0] ? Date.now() - t0 : undefined)
    })
  }
}
