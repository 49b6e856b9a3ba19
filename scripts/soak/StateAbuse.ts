/**
 * Reliability campaign, state-file abuse (issue 8, fault campaign item 4), on the real machine: a
 * crashed batch (test/support/real/cli.ts `crashedBatch`: live agents in tmux sessions, git worktrees), its
 * state.json replaced by a malformed, mistyped, newer-version, truncated, 50 MB, symlinked or special
 * file (test/fixtures/soak-conc-abuse.ts), and every command that reads a batch's state run against
 * it as a real CLI process. Each must exit 1 with the stable code of the abuse (E_STATE_CORRUPT,
 * E_STATE_VERSION, E_UNSAFE_PATH), leave the state file (and a symlink's target) byte-, mode- and
 * mtime-identical, and change nothing else: no file under .rekindle created, changed or removed, no
 * pane, git ref or worktree touched. Commands are run one at a time per batch so a change is pinned
 * on the command that made it; two batches work in parallel.
 */
import { crashedBatch, type RealBatch } from "../../test/support/real/cli.ts"
import { until } from "../../test/support/real/poll.ts"
import { diff, fingerprintOf, pathsOf, VARIANTS, type Variant } from "../../test/fixtures/soak-conc-abuse.ts"
import {
  cliProcessesOn,
  describeEnd,
  errorCode,
  isCrash,
  killAll,
  pool,
  runCli
} from "../../test/fixtures/soak-conc-support.ts"
import type { Campaign, Row, Scale } from "./Report.ts"
import * as fs from "node:fs"

const GROUP = "state abuse"

/**
 * Every command that reads a batch's state, with the batch named or found (both resolutions), the
 * destructive ones confirmed (`--yes`) so a wrongly accepted state would really act.
 */
const COMMANDS: ReadonlyArray<ReadonlyArray<string>> = [
  ["status", "e2e"],
  ["status", "--json"],
  ["plan", "e2e", "--json"],
  ["plan"],
  ["resume", "e2e", "--json"],
  ["resume", "--dry-run"],
  ["repair", "--dry-run", "--json"],
  ["repair", "e2e", "--yes"],
  ["repair", "--all", "--yes", "--json"],
  ["abort", "--yes", "--json"],
  ["logs", "a", "--batch", "e2e"],
  ["restart", "a", "--yes"],
  ["attach", "a", "--json"],
  ["observe", "e2e", "--json"]
]

/** Every `k`-th command from `offset`: the `k` parts together cover them all. */
const part = (offset: number, k: number): ReadonlyArray<ReadonlyArray<string>> =>
  COMMANDS.filter((_, j) => (j + offset) % k === 0)

/**
 * What runs at each scale (a CLI process costs ~0.6 s of CPU): `full` every variant — all commands
 * against the first of each kind, a rotating quarter against the others; `quick` the first of each
 * kind with all commands; `slice` three kinds, thirds that together run every command once.
 */
const pick = (
  scale: Scale
): ReadonlyArray<{ readonly variant: Variant; readonly commands: ReadonlyArray<ReadonlyArray<string>> }> => {
  const kinds = [...new Set(VARIANTS.map((v) => v.kind))]
  const nth = (v: Variant) => VARIANTS.filter((x) => x.kind === v.kind).indexOf(v)
  if (scale === "full")
    return VARIANTS.map((v) => ({ variant: v, commands: nth(v) === 0 ? COMMANDS : part(nth(v), 4) }))
  const firsts = kinds.map((k) => VARIANTS.find((v) => v.kind === k)!)
  if (scale === "quick") return firsts.map((v) => ({ variant: v, commands: COMMANDS }))
  return firsts
    .filter((v) => ["malformed JSON", "newer or unknown version", "symlink"].includes(v.kind))
    .map((v, i) => ({ variant: v, commands: part(i, 3) }))
}

interface Tally {
  readonly counts: Record<string, number>
  runs: number
  readonly codes: Map<string, number>
  slowestMs: number
  firstProblem: string | undefined
}

const COUNTS = ["commands", "wrongCode", "fileChanged", "sideEffects", "crashes", "errors"]
const BAD = ["wrongCode", "fileChanged", "sideEffects", "crashes", "errors"]

const bump = (t: Tally, key: string, why?: string) => {
  t.counts[key] = (t.counts[key] ?? 0) + 1
  if (why !== undefined) t.firstProblem ??= why
}

/** Run every command against one variant on batch `b`; counts into `t`. */
const abuse = async (b: RealBatch, v: Variant, commands: ReadonlyArray<ReadonlyArray<string>>, t: Tally) => {
  const at = pathsOf(b)
  const good = fs.readFileSync(at.state)
  v.apply(at, good)
  try {
    let before = fingerprintOf(b, at, v.watch(at))
    for (const command of commands) {
      const r = await runCli([...command, "--repo", b.repo, "--socket", b.socket], 60_000)
      t.runs++
      bump(t, "commands")
      t.slowestMs = Math.max(t.slowestMs, r.ms)
      const code = errorCode(r) ?? `exit ${r.code ?? r.signal}`
      t.codes.set(code, (t.codes.get(code) ?? 0) + 1)
      const where = `${v.name}: ${describeEnd(r)}`
      if (isCrash(r)) bump(t, "crashes", where)
      else if (r.code !== 1 || !v.expect.includes(code))
        bump(t, "wrongCode", `${where} (expected ${v.expect.join(" or ")})`)
      // A wrongly accepted `resume` may have left a supervisor behind: it must not act on later checks.
      killAll(cliProcessesOn(b.repo))
      const after = fingerprintOf(b, at, v.watch(at))
      if (after.stateFile.join("\n") !== before.stateFile.join("\n")) {
        bump(
          t,
          "fileChanged",
          `${v.name}: \`${command.join(" ")}\` changed the state file: ${diff(before.stateFile, after.stateFile)}`
        )
      }
      if (after.world.join("\n") !== before.world.join("\n")) {
        bump(t, "sideEffects", `${v.name}: \`${command.join(" ")}\` changed ${diff(before.world, after.world)}`)
      }
      before = after
    }
  } finally {
    v.restore(at, good)
  }
}

/** The state-abuse campaign. */
export const campaign: Campaign = {
  name: "state abuse",
  run: async (scale) => {
    const work = pick(scale)
    const tallies = new Map<string, Tally>()
    for (const { variant } of work) {
      if (!tallies.has(variant.kind)) {
        tallies.set(variant.kind, {
          counts: Object.fromEntries(COUNTS.map((n) => [n, 0])),
          runs: 0,
          codes: new Map(),
          slowestMs: 0,
          firstProblem: undefined
        })
      }
    }
    // Two batches (one per core) share the variants; each runs its commands one at a time.
    const workers = 2
    const queues = Array.from({ length: workers }, (_, w) => work.filter((_, i) => i % workers === w))
    await pool(queues, workers, async (queue) => {
      let b: RealBatch | undefined
      try {
        b = await crashedBatch([{ id: "a" }, { id: "b" }])
        for (const { variant, commands } of queue) {
          const t = tallies.get(variant.kind)!
          await abuse(b, variant, commands, t).catch((e) =>
            bump(t, "errors", `${variant.name}: ${e instanceof Error ? e.message : String(e)}`)
          )
        }
      } catch (e) {
        for (const { variant } of queue)
          bump(tallies.get(variant.kind)!, "errors", `setup: ${e instanceof Error ? e.message : String(e)}`)
      } finally {
        if (b !== undefined) {
          // Gone before the directory is: a wrongly started supervisor still saving would recreate it.
          const repo = b.repo
          killAll(cliProcessesOn(repo))
          await until("rekindle processes to exit", 15_000, () => cliProcessesOn(repo).length === 0).catch(
            () => undefined
          )
          b.cleanup()
        }
      }
    })
    return [...tallies].map(([kind, t]): Row => {
      const names = work.filter((x) => x.variant.kind === kind).map((x) => x.variant.name)
      const codes = [...t.codes].map(([c, n]) => `${c} ×${n}`).join(", ")
      const timing = kind === "50 MB" ? `, slowest command ${t.slowestMs} ms` : ""
      return {
        group: GROUP,
        case: `${kind}: ${names.join("; ")}`,
        runs: t.runs,
        counts: t.counts,
        bad: BAD,
        outcome: t.firstProblem ?? `${codes}; state file and everything else untouched${timing}`
      }
    })
  }
}
