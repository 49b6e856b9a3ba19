/**
 * Reliability campaign, concurrency (issue 8, fault campaign item 3), on the real machine: real CLI
 * processes, real tmux and git.
 *
 * - Racing resumes: each round kills one task's agent of a crashed batch (test/support/real/cli.ts
 *   `crashedBatch`), starts 8 `rekindle resume` at once, and checks that exactly one of them becomes
 *   the supervisor (the other 7 exit 1 with E_LOCKED), that the dead agent is relaunched exactly once
 *   and the live one only reconnected (agents are counted in the process table, per worktree), and
 *   that the state still decodes. The winner is then SIGKILLed, so every later round races 8 takers
 *   over a dead owner's lease. Foreground rounds (the CLI process supervises) alternate with
 *   `--detached` rounds (background supervisors race) at the larger scales.
 * - Leases naming an unrelated live process: with another start time (its pid was reused) the lease
 *   is stale and taken over; with the same pid + start time the owner is live and resume is refused
 *   (E_LOCKED), even when that lease was last renewed an hour ago. The unrelated process is never
 *   signalled.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { leaseBytes } from "../../adapters/store/LeaseCodec.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { loadState, saveState } from "../../core/engine/support/StateIO.ts"
import type { BatchState } from "../../core/domain/State.ts"
import * as Node from "../../adapters/node.ts"
import { crashedBatch, type RealBatch } from "../../test/support/real/cli.ts"
import { until } from "../../test/support/real/poll.ts"
import { tmux } from "../../test/support/real/socket.ts"
import { pidAlive } from "../../test/support/real/poll.ts"
import {
  agentsIn,
  cliProcessesOn,
  describeEnd,
  describeProcess,
  errorCode,
  killAll,
  runCli,
  startCli,
  startTimeFor,
  type CliResult,
  type Started
} from "../../test/fixtures/soak-conc-support.ts"
import type { Campaign, Row, Scale } from "./Report.ts"

const GROUP = "concurrency"
const RACERS = 8
const TASKS = ["a", "b"] as const

/** Rounds of each kind and lease checks per scale. */
const SIZES: Readonly<
  Record<Scale, { readonly foreground: number; readonly detached: number; readonly leases: number }>
> = {
  slice: { foreground: 1, detached: 0, leases: 1 },
  quick: { foreground: 2, detached: 2, leases: 1 },
  full: { foreground: 5, detached: 5, leases: 2 }
}

type Counts = Record<string, number>

/** A row's counts plus the first unexpected message (its outcome when something went wrong). */
interface Tally {
  readonly counts: Counts
  runs: number
  firstProblem: string | undefined
}

const tally = (names: ReadonlyArray<string>): Tally => ({
  counts: Object.fromEntries(names.map((n) => [n, 0])),
  runs: 0,
  firstProblem: undefined
})

const bump = (t: Tally, key: string, by = 1, why?: string) => {
  t.counts[key] = (t.counts[key] ?? 0) + by
  if (by > 0 && why !== undefined) t.firstProblem ??= why
}

/** The pid holding the lease: lease.json, or the copy a renewal in flight moved aside (LeaseFs). */
const leaseOwner = (b: RealBatch): number | undefined => {
  const p = batchPaths(b.repo, b.batchId)
  const names = ["lease.json", ...fs.readdirSync(p.dir).filter((n) => n.startsWith("lease.json.renew-"))]
  for (const name of names) {
    try {
      return (JSON.parse(fs.readFileSync(`${p.dir}/${name}`, "utf8")) as { owner: { pid: number } }).owner.pid
    } catch {
      // gone meanwhile: the next name
    }
  }
  return undefined
}

/** Kill every rekindle process acting on the batch (all started here) and wait until they are gone. */
const stopSupervisors = async (b: RealBatch) => {
  killAll(cliProcessesOn(b.repo))
  await until("the supervisors to exit", 15_000, () => cliProcessesOn(b.repo).length === 0)
}

/** SIGKILL `task`'s agent (checking its recorded identity first) and wait for its pane to die. */
const killAgent = async (b: RealBatch, task: string) => {
  const t = (await b.state()).tasks.find((x) => x.id === task)!
  const id = t.agentProcess!
  if (startTimeFor(id.pid) !== id.startTime)
    throw new Error(`agent of ${task} (pid ${id.pid}) is not the process the state recorded`)
  process.kill(id.pid, "SIGKILL")
  await until(
    `${task}'s pane to die`,
    15_000,
    () => tmux(b.socket, "list-panes", "-t", `=${t.session!}:`, "-F", "#{pane_dead}").stdout.trim() === "1"
  )
}

/** One race of 8 resumes; counts into `t`. */
const race = async (b: RealBatch, t: Tally, round: number, detached: boolean) => {
  const victim = TASKS[round % TASKS.length]!
  await expireBackoff(b, victim)
  await killAgent(b, victim)
  const before = await b.state()
  const attempts = new Map(before.tasks.map((x) => [x.id, x.attempts]))
  const args = ["resume", "--json", "--repo", b.repo, ...(detached ? ["--detached"] : [])]
  // Spawned back to back: node's start-up (~0.5 s) dwarfs the gap, so all 8 reach the lease together.
  const racers = Array.from({ length: RACERS }, () => startCli(args, 120_000))
  try {
    await judgeRace(b, t, round, detached, victim, attempts, racers)
  } finally {
    // The winner dies like a crashed supervisor: the next round races over its dead lease.
    await stopSupervisors(b)
    await Promise.all(racers.map((r) => r.done))
  }
}

const judgeRace = async (
  b: RealBatch,
  t: Tally,
  round: number,
  detached: boolean,
  victim: string,
  attempts: ReadonlyMap<string, number>,
  racers: ReadonlyArray<Started>
) => {
  const ended: Array<CliResult> = []
  for (const r of racers) void r.done.then((x) => ended.push(x))
  // Foreground: the winner supervises until killed; detached: every CLI returns.
  const expectEnded = detached ? RACERS : RACERS - 1
  await until("the refused resumes to exit", 90_000, () => ended.length >= expectEnded)
  const winners: Array<CliResult> = []
  for (const r of ended) {
    const code = errorCode(r)
    if (r.code === 1 && code === "E_LOCKED" && /taken over by another/.test(r.stdout))
      bump(
        t,
        "stolen",
        1,
        `round ${round}: a supervisor lost its lease to a racer: ${r.stdout.replace(/\s+/g, " ").slice(0, 200)}`
      )
    else if (r.code === 1 && code === "E_LOCKED") bump(t, "locked")
    else if (detached && r.code === 0) winners.push(r)
    else bump(t, "otherErrors", 1, describeEnd(r))
  }
  // Refused background supervisors exit right after their error line: wait for them (with a deadline).
  await until("refused supervisors to exit", 20_000, () => cliProcessesOn(b.repo, "resume").length <= 1).catch(
    () => undefined
  )
  const live = cliProcessesOn(b.repo, "resume")
  const owner = leaseOwner(b)
  bump(t, "supervisors", live.length)
  const detachedOk =
    !detached ||
    (winners.length === 1 &&
      (JSON.parse(winners[0]!.stdout) as { supervisor?: { pid?: number } }).supervisor?.pid === live[0])
  if (live.length !== 1 || owner !== live[0] || !detachedOk) {
    const who = live.map((pid) => `${pid} (${describeProcess(pid)})`).join(", ")
    bump(t, "notOneSupervisor", 1, `round ${round}: ${live.length} live supervisor(s) [${who}], lease owner ${owner}`)
  }
  // The dead agent is relaunched once, the live one only reconnected: one agent per worktree.
  const expected = (id: string) => (attempts.get(id) ?? 0) + (id === victim ? 1 : 0)
  await until(`${victim} to be relaunched`, 30_000, async () => {
    const s = await b.state().catch(() => undefined)
    return s !== undefined && s.tasks.every((x) => x.attempts >= expected(x.id) && agentsIn(x.worktree!).length >= 1)
  }).catch(() => undefined)
  let state: Awaited<ReturnType<RealBatch["state"]>> | undefined
  try {
    state = await b.state()
  } catch (e) {
    bump(t, "stateBad", 1, `round ${round}: state does not load: ${String(e)}`)
  }
  for (const task of state?.tasks ?? []) {
    const agents = agentsIn(task.worktree!).length
    const extra = Math.max(0, task.attempts - expected(task.id)) + Math.max(0, agents - 1)
    bump(
      t,
      "twice",
      extra,
      `round ${round}: ${task.id} attempts ${task.attempts} (expected ${expected(task.id)}), ${agents} live agents`
    )
    if (agents === 0) bump(t, "lost", 1, `round ${round}: ${task.id} has no live agent`)
  }
  if (state !== undefined && (state.phase !== "executing" || state.tasks.some((x) => x.status !== "running"))) {
    bump(
      t,
      "stateBad",
      1,
      `round ${round}: phase ${state.phase}, ${state.tasks.map((x) => `${x.id} ${x.status}`).join(", ")}`
    )
  }
}

/** Edit the persisted state (no supervisor runs meanwhile), through the library's own load and save. */
const editState = (b: RealBatch, f: (s: BatchState) => BatchState) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* saveState(f(yield* loadState({ repoRoot: b.repo, batchId: b.batchId })), Date.now())
    }).pipe(Effect.provide(Node.layer({ socket: b.socket })))
  )

/**
 * Every round relaunches one task, so each is relaunched up to `rounds / 2` times: raise the batch's
 * relaunch cap (a manifest option, 3 by default) so the cap never turns a kill into a failed task.
 */
const allowRelaunches = (b: RealBatch) =>
  editState(b, (s) => {
    if (s.options === undefined) throw new Error("the batch records no options")
    return { ...s, options: { ...s.options, relaunchCap: 100 } }
  })

/**
 * Rounds come faster than the relaunch back-off (5 s × 2^attempt), under which resume holds a dead
 * agent instead of relaunching it: let the back-off expire (as if the user had waited) before a kill.
 */
const expireBackoff = (b: RealBatch, task: string) =>
  editState(b, (s) => ({
    ...s,
    tasks: s.tasks.map((t) => (t.id === task ? (({ nextAttemptAt: _, ...rest }) => rest)(t) : t))
  }))

/** Start an unrelated long-lived process (the "reused pid"). */
const unrelated = async () => {
  const child = spawn("sleep", ["60"], { stdio: "ignore" })
  const pid = child.pid!
  const startTime = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + 5_000
    const poll = () => {
      const st = startTimeFor(pid)
      if (st !== undefined) return resolve(st)
      if (Date.now() > deadline) return reject(new Error(`no /proc entry for sleep ${pid}`))
      setTimeout(poll, 20)
    }
    poll()
  })
  return { child, pid, startTime, intact: () => pidAlive(pid) && startTimeFor(pid) === startTime }
}

/** Write a lease naming `owner` (0600, the codec's exact bytes), replacing any. */
const writeLease = (b: RealBatch, owner: { readonly pid: number; readonly startTime: string }, renewedAt: number) => {
  const p = batchPaths(b.repo, b.batchId).lease
  fs.rmSync(p, { force: true })
  fs.writeFileSync(
    p,
    leaseBytes({ owner: { ...owner, host: os.hostname() }, acquiredAt: renewedAt - 10_000, renewedAt }),
    { mode: 0o600 }
  )
  return fs.readFileSync(p)
}

/** A lease whose pid now belongs to an unrelated process with another start time: taken over. */
const staleLease = async (b: RealBatch, t: Tally) => {
  const other = await unrelated()
  try {
    const [boot, ticks] = [
      other.startTime.slice(0, other.startTime.indexOf(":")),
      other.startTime.slice(other.startTime.indexOf(":") + 1)
    ]
    // The previous owner had this pid and started earlier; renewed just now, so only identity can tell.
    writeLease(b, { pid: other.pid, startTime: `${boot}:${Math.max(0, Number(ticks) - 137)}` }, Date.now())
    const r = await runCli(["resume", "--detached", "--json", "--repo", b.repo], 90_000)
    const doc = (() => {
      try {
        return JSON.parse(r.stdout) as { running?: boolean; supervisor?: { pid?: number } }
      } catch {
        return {}
      }
    })()
    const owner = leaseOwner(b)
    if (r.code === 0 && doc.running === true && doc.supervisor?.pid !== undefined && owner === doc.supervisor.pid)
      bump(t, "tookOver")
    else bump(t, "wrongDecision", 1, `pid-reused lease: ${describeEnd(r)} (lease owner ${owner})`)
    if (!other.intact()) bump(t, "foreignKilled", 1, `the unrelated process ${other.pid} was signalled`)
  } finally {
    other.child.kill("SIGKILL")
    await stopSupervisors(b)
  }
}

/** A lease whose owner is live (pid + start time match), renewed an hour ago: refused, untouched. */
const liveLease = async (b: RealBatch, t: Tally) => {
  const other = await unrelated()
  try {
    const bytes = writeLease(b, { pid: other.pid, startTime: other.startTime }, Date.now() - 3_600_000)
    const r = await runCli(["resume", "--detached", "--json", "--repo", b.repo], 90_000)
    await until("a refused supervisor to exit", 20_000, () => cliProcessesOn(b.repo).length === 0).catch(
      () => undefined
    )
    const after = fs.existsSync(batchPaths(b.repo, b.batchId).lease)
      ? fs.readFileSync(batchPaths(b.repo, b.batchId).lease)
      : undefined
    const refused = r.code === 1 && errorCode(r) === "E_LOCKED" && cliProcessesOn(b.repo).length === 0
    if (refused) bump(t, "locked")
    else bump(t, "wrongDecision", 1, `live lease: ${describeEnd(r)}`)
    if (after === undefined || !after.equals(bytes)) bump(t, "leaseChanged", 1, "the live owner's lease file changed")
    if (!other.intact()) bump(t, "foreignKilled", 1, `the live owner ${other.pid} was signalled`)
  } finally {
    other.child.kill("SIGKILL")
    await stopSupervisors(b)
  }
}

const RACE_COUNTS = [
  "supervisors",
  "notOneSupervisor",
  "locked",
  "stolen",
  "otherErrors",
  "twice",
  "lost",
  "stateBad",
  "errors"
]
const RACE_BAD = ["notOneSupervisor", "stolen", "otherErrors", "twice", "lost", "stateBad", "errors"]

/** Run `body` `n` times, counting a thrown iteration as `errors` (first message kept) and going on. */
const repeat = async (n: number, t: Tally, body: (i: number) => Promise<void>) => {
  for (let i = 0; i < n; i++) {
    t.runs++
    try {
      await body(i)
    } catch (e) {
      bump(t, "errors", 1, e instanceof Error ? e.message : String(e))
    }
  }
}

const row = (name: string, t: Tally, bad: ReadonlyArray<string>, ok: string): Row => ({
  group: GROUP,
  case: name,
  runs: t.runs,
  counts: t.counts,
  bad,
  outcome: t.firstProblem ?? ok
})

/** The concurrency campaign. */
export const campaign: Campaign = {
  name: "concurrency",
  run: async (scale) => {
    const size = SIZES[scale]
    const fg = tally(RACE_COUNTS)
    const bg = tally(RACE_COUNTS)
    const stale = tally(["tookOver", "wrongDecision", "foreignKilled", "errors"])
    const live = tally(["locked", "wrongDecision", "leaseChanged", "foreignKilled", "errors"])
    let b: RealBatch | undefined
    try {
      b = await crashedBatch(TASKS.map((id) => ({ id })))
      await allowRelaunches(b)
      const batch = b
      let round = 0
      // Alternate the kinds so each races over the dead lease the other left.
      for (let i = 0; i < Math.max(size.foreground, size.detached); i++) {
        if (i < size.foreground) await repeat(1, fg, () => race(batch, fg, round++, false))
        if (i < size.detached) await repeat(1, bg, () => race(batch, bg, round++, true))
      }
      await repeat(size.leases, stale, () => staleLease(batch, stale))
      await repeat(size.leases, live, () => liveLease(batch, live))
    } catch (e) {
      bump(fg, "errors", 1, `setup: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      if (b !== undefined) {
        // Gone before the directory is: a supervisor still saving would recreate it.
        await stopSupervisors(b).catch(() => undefined)
        b.cleanup()
      }
    }
    const raced = `1 supervisor, E_LOCKED ×${RACERS - 1} (exit 1) per round; the dead agent relaunched once, the live one reconnected`
    return [
      row(`${RACERS} racing \`resume\` (foreground), a dead agent each round`, fg, RACE_BAD, raced),
      ...(size.detached > 0
        ? [row(`${RACERS} racing \`resume --detached\`, a dead agent each round`, bg, RACE_BAD, raced)]
        : []),
      row(
        "stale lease: its pid reused by an unrelated live process",
        stale,
        ["wrongDecision", "foreignKilled", "errors"],
        "taken over (start time differs); the unrelated process not signalled"
      ),
      row(
        "live lease holder (pid + start time match, renewed 1 h ago)",
        live,
        ["wrongDecision", "leaseChanged", "foreignKilled", "errors"],
        "E_LOCKED (exit 1), lease untouched, holder not signalled"
      )
    ]
  }
}
