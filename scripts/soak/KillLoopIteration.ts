/**
 * One iteration of the kill -9 loop (scripts/soak/KillLoop.ts) on real tmux + git: start the soak batch
 * under a supervisor fixture (test/fixtures/soak-supervisor.ts), SIGKILL it at the planned moment,
 * then resume — first with the fixture while the planned kill has not landed, then with the real
 * CLI (`rekindle resume`, as users run it), itself SIGKILLed at random now and then — until the batch
 * is done. `asker` waits for an answer: the first supervisor seen running while it waits unanswered
 * is SIGKILLed (the operator stops it) and the answer is delivered through rekindle's at-most-once
 * protocol by a separate process (test/fixtures/e2e-deliver.ts) that may itself die at a crash point.
 *
 * Issue 13's modes use the same loop with another planned first kill (and a batch variant each):
 * a reboot (supervisor, private tmux server and every pane's process group SIGKILLed together while
 * three agents run: each of them may start once more), a supervisor killed while a gated agent runs
 * that then exits non-zero with nobody watching, and a supervisor killed at a `finish:*` crash point
 * (then `resume`, or `repair --yes` once the batch says completed). What happened is recorded as facts
 * read from the world (pids in /proc, `tmux -L` panes, the agents' start log), never from rekindle.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { E2E, openMerges, type Supervisor } from "../../test/support/real/e2e.ts"
import { tmux } from "../../test/support/real/socket.ts"
import {
  ANSWER,
  ANSWER_KEY,
  askerWaitsUnanswered,
  gatePath,
  judge,
  type Judged,
  leftoversOf,
  openGates,
  type Outcome,
  outcomeOf,
  promptStatuses,
  SOAK_BATCH,
  soakManifest,
  type SoakVariant,
  STANDARD,
  startCount,
  typeAnswer
} from "./KillLoopBatch.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const FIXTURE = nodePath.join(ROOT, "test/fixtures/soak-supervisor.ts")
const CLI = nodePath.join(ROOT, "cli/main.ts")

/** Where a kill landed. */
export type KillClass =
  | "launch"
  | "mid-wave"
  | "merge"
  | "state save"
  | "during resume"
  | "answer handoff"
  /** Supervisor, tmux server and every pane's processes SIGKILLed at once (a machine reboot). */
  | "reboot"
  /** Supervisor SIGKILLed while a gated agent runs; the agent then exits non-zero with nobody watching. */
  | "downtime failure"
  /** The supervisor died at a `finish:*` crash point (the end-of-batch cleanup). */
  | "cleanup"

/** Every kill class, for zeroed counters. */
export const KILL_CLASSES: ReadonlyArray<KillClass> = [
  "launch",
  "mid-wave",
  "merge",
  "state save",
  "during resume",
  "answer handoff",
  "reboot",
  "downtime failure",
  "cleanup"
]

/** The planned first kill of an iteration. */
export type Primary =
  /** The fixture dies at the `at`-th crash point with one of `labels` (counted over the iteration). */
  | { readonly kind: "hook"; readonly labels: ReadonlyArray<string>; readonly at: number; readonly cls: KillClass }
  /** The fixture dies at the `at`-th file system step of a state save (inside the atomic write). */
  | { readonly kind: "save"; readonly at: number }
  /** The driver kills after `ms` of supervision (class judged from what was left on disk). */
  | { readonly kind: "delay"; readonly ms: number }
  /** The driver kills as soon as the `at`-th agent start is logged (a launch in flight). */
  | { readonly kind: "starts"; readonly at: number }
  /** The driver kills while the `at`-th merge (or a later one) is in flight in the journal. */
  | { readonly kind: "merge-open"; readonly at: number }
  /**
   * A reboot: `afterMs` after the driver first sees three agents running, it SIGKILLs the supervisor,
   * the tmux server and the process group of every pane together (if three still run then).
   */
  | { readonly kind: "reboot"; readonly afterMs: number }
  /**
   * The driver SIGKILLs the supervisor once `task`'s gated agent runs, then opens its gate: the agent
   * exits with its status (no done marker) while no supervisor runs.
   */
  | { readonly kind: "downtime-fail"; readonly task: string }

/** How one iteration went. */
export interface IterationResult {
  readonly ms: number
  readonly kills: Readonly<Record<KillClass, number>>
  readonly delivererKills: number
  /** The planned kill never landed (the batch ended first). */
  readonly missed: boolean
  readonly judged: Judged | undefined
  readonly error: string | undefined
  readonly prompts: ReadonlyArray<string>
  /** One entry per supervisor life and delivery, e.g. `fixture: killed (merge)`, `deliver: SIGKILL at prompt:after-send`. */
  readonly trace: ReadonlyArray<string>
  /**
   * What the world showed around the mode's kill (not violations): `agents running at reboot`,
   * `agent exited while down`, `pane kept exit status`, `repair needed`, …
   */
  readonly facts: Readonly<Record<string, number>>
  /** The iteration's temp dir, kept when it showed a violation. */
  readonly dir: string
  readonly kept: boolean
}

/** A random source in [0, 1). */
export type Rng = () => number

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** `p`, or a rejection once `deadline` (epoch ms) passes. */
const before = <A>(p: Promise<A>, deadline: number, what: string): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), Math.max(0, deadline - Date.now())))
  )
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}
const lastNumber = (out: string, prefix: string): number | undefined => {
  const all = [...out.matchAll(new RegExp(`^${prefix} (\\d+)$`, "gm"))]
  return all.length === 0 ? undefined : Number(all.at(-1)![1])
}
const mergeIntents = (e: E2E) =>
  new Set(
    e
      .journal()
      .filter((l) => l.kind === "merge" && l.phase === "intent")
      .map((l) => l.key)
  ).size

/** Whether `pid` runs (a zombie does not) and is one of the soak's agents (its argv names one: no reused pid). */
const agentAlive = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
    if (state === "Z" || state === "X") return false
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
    return argv.includes("fake-agent") || argv.includes("soak-gated-agent")
  } catch {
    return false
  }
}

/** The agents running now: the latest start of each task whose process is still alive (the agents' own start log + /proc). */
export const liveAgents = (e: E2E): ReadonlyArray<{ readonly task: string; readonly pid: number }> => {
  const latest = new Map<string, number>()
  for (const r of e.runs()) latest.set(r.task, r.pid)
  return [...latest].filter(([, pid]) => agentAlive(pid)).map(([task, pid]) => ({ task, pid }))
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}

/** Wait until `pred` holds or `ms` pass; whether it held. */
const until = async (pred: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms
  for (;;) {
    if (pred()) return true
    if (Date.now() > end) return false
    await sleep(25)
  }
}

/**
 * The reboot: SIGKILL the supervisor, the private tmux server (pid from `list-sessions -F #{pid}`)
 * and the process group of every pane (pids from `list-panes`), and every agent of `live` — all pids
 * learned, nothing by name. Returns the tasks whose agent was running then, once every one is gone.
 */
const reboot = async (
  e: E2E,
  sup: Supervisor,
  live: ReadonlyArray<{ readonly task: string; readonly pid: number }>
): Promise<{ readonly tasks: ReadonlyArray<string>; readonly survivors: number; readonly serverUp: boolean }> => {
  const server = Number(tmux(e.socket, "list-sessions", "-F", "#{pid}").stdout.split("\n")[0])
  const panes = tmux(e.socket, "list-panes", "-a", "-F", "#{pane_pid}")
    .stdout.split("\n")
    .filter((l) => /^\d+$/.test(l))
    .map(Number)
  sup.child.kill("SIGKILL")
  if (Number.isInteger(server) && server > 1) signal(server, "SIGKILL")
  for (const p of panes) if (p > 1) signal(-p, "SIGKILL")
  for (const a of live) signal(a.pid, "SIGKILL")
  await sup.exited
  const gone = await until(() => live.every((a) => !agentAlive(a.pid)), 3_000)
  const serverUp = !(await until(() => tmux(e.socket, "list-sessions").status !== 0, 3_000))
  return {
    tasks: live.map((a) => a.task),
    survivors: gone ? 0 : live.filter((a) => agentAlive(a.pid)).length,
    serverUp
  }
}

/** `#{pane_dead} #{pane_dead_status}` of the session of `taskId` (by its recorded name), or undefined. */
const paneDeath = (
  e: E2E,
  taskId: string
): { readonly dead: boolean; readonly status: number | undefined } | undefined => {
  const session = e.state()?.tasks.find((t) => t.id === taskId)?.session
  if (session === undefined) return undefined
  const r = tmux(e.socket, "list-panes", "-t", `=${session}:`, "-F", "#{pane_dead} #{pane_dead_status}")
  if (r.status !== 0) return undefined
  const [dead, status] = (r.stdout.split("\n")[0] ?? "").split(" ")
  return { dead: dead === "1", status: status === undefined || status === "" ? undefined : Number(status) }
}

/** Where a kill from outside landed, judged from what the dead supervisor left on disk. */
const classify = (e: E2E): KillClass => {
  if (openMerges(e.journal()).length > 0 || e.state()?.phase === "merging") return "merge"
  const started = new Set(e.runs().map((r) => r.task))
  const pending = (e.state()?.tasks ?? []).filter((t) => t.status === "pending" && started.has(t.id))
  return pending.length > 0 ? "launch" : "mid-wave"
}

/** What ended one supervisor's life. */
type Ending =
  | { readonly tag: "ended"; readonly ok: boolean; readonly detail: string }
  | {
      readonly tag: "killed"
      readonly cls: KillClass
      readonly primary: boolean
      readonly rebooted?: Awaited<ReturnType<typeof reboot>>
    }

/** Watch one supervisor until it ends or is killed (by itself, by plan, or for the answer). */
const watch = async (
  e: E2E,
  sup: Supervisor,
  spec: {
    readonly fixture: boolean
    readonly primary: Primary | undefined
    readonly delayLeft: number
    readonly killAt: number | undefined
    readonly deadline: number
    /** The phase a batch of this variant ends in (its reference's). */
    readonly finalPhase: string
  }
): Promise<Ending> => {
  let gone = false
  void sup.exited.then(() => (gone = true))
  const t0 = Date.now()
  let threeSeen: number | undefined
  const kill = async (cls: KillClass | undefined, primary: boolean): Promise<Ending> => {
    await sup.kill9()
    return { tag: "killed", cls: cls ?? classify(e), primary }
  }
  for (;;) {
    if (gone) {
      const self = /^killed (hook (\S+)|save)/m.exec(sup.stdout())
      if (self !== null) {
        const p = spec.primary
        return {
          tag: "killed",
          cls: self[1] === "save" ? "state save" : p?.kind === "hook" ? p.cls : "mid-wave",
          primary: true
        }
      }
      const code = await sup.exited
      // A batch that ends with a failed task ends `paused`: the CLI then exits non-zero by design.
      const ok = spec.fixture
        ? new RegExp(`^ended ${spec.finalPhase}$`, "m").test(sup.stdout())
        : code === 0 || (spec.finalPhase !== "completed" && e.state()?.phase === spec.finalPhase)
      return { tag: "ended", ok, detail: `${sup.stdout().slice(-400)} ${sup.stderr().slice(-600)}`.trim() }
    }
    if (Date.now() > spec.deadline) {
      await sup.kill9()
      throw new Error(
        `timed out (phase ${e.state()?.phase}, tasks ${e
          .state()
          ?.tasks.map((t) => `${t.id}=${t.status}`)
          .join(" ")})`
      )
    }
    if (askerWaitsUnanswered(e)) return kill("answer handoff", false)
    const p = spec.primary
    if (spec.fixture && p !== undefined) {
      if (p.kind === "delay" && Date.now() - t0 >= spec.delayLeft) return kill(undefined, true)
      if (p.kind === "starts" && startCount(e) >= p.at) return kill("launch", true)
      if (p.kind === "merge-open" && mergeIntents(e) >= p.at && openMerges(e.journal()).length > 0)
        return kill("merge", true)
      if (p.kind === "downtime-fail") {
        const pid = e
          .runs()
          .filter((r) => r.task === p.task)
          .at(-1)?.pid
        if (pid !== undefined && agentAlive(pid)) return kill("downtime failure", true)
      }
      if (p.kind === "reboot") {
        const live = liveAgents(e)
        if (live.length >= 3) {
          threeSeen ??= Date.now()
          if (Date.now() - threeSeen >= p.afterMs)
            return { tag: "killed", cls: "reboot", primary: true, rebooted: await reboot(e, sup, live) }
        }
      }
    }
    if (spec.killAt !== undefined && Date.now() >= spec.killAt) return kill("during resume", false)
    await sleep(20)
  }
}

/** The fixture's kill plan for this life (hook and save counts continue from earlier lives). */
const fixturePlan = (primary: Primary | undefined, hookFrom: number, saveFrom: number): string =>
  JSON.stringify(
    primary?.kind === "hook"
      ? { hook: { labels: primary.labels, at: primary.at }, hookFrom }
      : primary?.kind === "save"
        ? { save: primary.at, saveFrom }
        : {}
  )

/**
 * Run the reference of `variant`: the batch uninterrupted, the answer typed into the pane once it is
 * asked for, every gate open from the start (a gated agent fails right after its steps, supervised).
 */
export const referenceRun = async (
  variant: SoakVariant = STANDARD
): Promise<{ readonly outcome: Outcome; readonly reached: Readonly<Record<string, number>>; readonly ms: number }> => {
  const e = new E2E(SOAK_BATCH)
  const t0 = Date.now()
  try {
    const manifest = soakManifest(e, variant)
    openGates(e, variant)
    const sup = e.node([FIXTURE, e.repo, SOAK_BATCH, e.socket, "{}", manifest])
    let answered = false
    let gone = false
    void sup.exited.then(() => (gone = true))
    for (;;) {
      if (/^ended /m.test(sup.stdout())) break
      if (gone) throw new Error(`the reference supervisor failed: ${sup.stderr()}`)
      if (Date.now() - t0 > 120_000) throw new Error("the reference run timed out")
      if (!answered && askerWaitsUnanswered(e)) {
        typeAnswer(e)
        answered = true
      }
      await sleep(20)
    }
    await sup.exited
    const outcome = outcomeOf(e, variant)
    if (variant.completes && outcome.phase !== "completed")
      throw new Error(`the ${variant.name} reference run ended ${outcome.phase}: ${sup.stdout()}`)
    if (!variant.completes && outcome.phase === "completed")
      throw new Error(`the ${variant.name} reference run completed: a gated task did not fail`)
    const left = outcome.leftovers
    if (variant.completes && left.sessions.length + left.worktrees.length + left.branches.length > 0) {
      throw new Error(`the ${variant.name} reference run completed but left ${JSON.stringify(left)}`)
    }
    const reached = JSON.parse(/^counts (.*)$/m.exec(sup.stdout())?.[1] ?? "{}") as Record<string, number>
    return { outcome, reached, ms: Date.now() - t0 }
  } finally {
    await e.cleanup()
  }
}

/** One iteration: kill as planned, resume until done, judge against the reference. */
export const iteration = async (spec: {
  readonly primary: Primary
  readonly rng: Rng
  readonly reference: Outcome
  readonly timeoutMs: number
  /** The batch (default: the standard one); `reference` must be a reference run of it. */
  readonly variant?: SoakVariant
}): Promise<IterationResult> => {
  const { primary, rng } = spec
  const variant = spec.variant ?? STANDARD
  const e = new E2E(SOAK_BATCH)
  const t0 = Date.now()
  const deadline = t0 + spec.timeoutMs
  const kills = Object.fromEntries(KILL_CLASSES.map((c) => [c, 0])) as Record<KillClass, number>
  const facts: Record<string, number> = {}
  const fact = (name: string, n = 1) => void (facts[name] = (facts[name] ?? 0) + n)
  const extraStarts: Record<string, number> = {}
  let delivererKills = 0
  const trace: Array<string> = []
  let judged: Judged | undefined
  let error: string | undefined
  let primaryDone = false
  const finalPhase = spec.reference.phase
  const cleanupMode = primary.kind === "hook" && primary.cls === "cleanup"
  const cli = async (argv: ReadonlyArray<string>) => {
    const p = e.node([CLI, ...argv, "--repo", e.repo, "--socket", e.socket])
    const code = await before(p.exited, deadline, `rekindle ${argv.join(" ")}`)
    return { code, out: `${p.stdout()}${p.stderr()}` }
  }
  try {
    const manifest = soakManifest(e, variant)
    let hookFrom = 0
    let saveFrom = 0
    let supervised = 0
    let cliKills = 0
    for (let life = 0; ; life++) {
      // Killed after it finished the batch (before it could exit): there is nothing left to resume.
      if (life > 0 && e.state()?.phase === finalPhase) {
        // Killed in the cleanup after `completed` was saved: the user runs `rekindle resume`, and
        // `rekindle repair --yes` when it says the batch already completed.
        if (cleanupMode && finalPhase === "completed") {
          const r = await cli(["resume", SOAK_BATCH])
          trace.push(`cli resume of a completed batch: exit ${r.code}`)
          if (/already completed/.test(r.out)) {
            const left = leftoversOf(e)
            if (left.sessions.length + left.worktrees.length + left.branches.length > 0)
              fact("completed with leftovers, repaired")
            const rep = await cli(["repair", SOAK_BATCH, "--yes"])
            trace.push(`cli repair --yes: exit ${rep.code}`)
            fact("repair run")
          }
        }
        break
      }
      const fixture = !primaryDone
      const killAt = !fixture && cliKills < 3 && rng() < 0.3 ? Date.now() + 500 + rng() * 5_500 : undefined
      // Killed before the batch left planning (or before its state existed): what rekindle tells the
      // user to do then is to start it again with `rekindle run`, not to resume it.
      const phase = life === 0 ? undefined : (e.state()?.phase ?? "none")
      const rerun = phase === "none" || phase === "planning" || phase === "idle"
      const sup = fixture
        ? e.node([
            FIXTURE,
            e.repo,
            SOAK_BATCH,
            e.socket,
            fixturePlan(primary, hookFrom, saveFrom),
            ...(life === 0 || rerun ? [manifest] : [])
          ])
        : e.node([CLI, ...(rerun ? ["run", manifest] : ["resume", SOAK_BATCH]), "--repo", e.repo, "--socket", e.socket])
      const started = Date.now()
      const end = await watch(e, sup, {
        fixture,
        primary: fixture ? primary : undefined,
        delayLeft: primary.kind === "delay" ? primary.ms - supervised : 0,
        killAt,
        deadline,
        finalPhase
      })
      if (fixture) {
        supervised += Date.now() - started
        hookFrom = lastNumber(sup.stdout(), "at hook") ?? hookFrom
        saveFrom = lastNumber(sup.stdout(), "at save") ?? saveFrom
      }
      trace.push(
        `${fixture ? "fixture" : "cli"}${rerun ? " run" : ""} ${Math.round((Date.now() - started) / 100) / 10}s: ${end.tag === "ended" ? (end.ok ? "completed" : "failed") : `killed (${end.cls})`}`
      )
      if (end.tag === "ended") {
        if (!end.ok)
          throw new Error(
            `${fixture ? "the supervisor" : `rekindle ${rerun ? "run" : "resume"}`} did not complete the batch: ${end.detail}`
          )
        break
      }
      kills[end.cls] += 1
      if (end.primary) primaryDone = true
      if (end.cls === "cleanup" && primary.kind === "hook") fact(`killed at ${primary.labels.join("|")}`)
      if (end.rebooted !== undefined) {
        const r = end.rebooted
        for (const id of r.tasks) extraStarts[id] = (extraStarts[id] ?? 0) + 1
        fact("agents running at reboot", r.tasks.length)
        if (r.survivors > 0) fact("agents surviving the reboot", r.survivors)
        if (r.serverUp) fact("tmux server surviving the reboot")
        trace.push(`reboot: killed ${r.tasks.join(", ")} with the tmux server`)
      }
      if (end.cls === "downtime failure" && primary.kind === "downtime-fail") {
        // Nobody supervises now: let the agent fail, and see that it did (its pid, its pane).
        const task = primary.task
        const pid =
          e
            .runs()
            .filter((r) => r.task === task)
            .at(-1)?.pid ?? 0
        fs.writeFileSync(gatePath(e, task), "open\n")
        if (await until(() => !agentAlive(pid), 15_000)) fact("agent exited while down")
        const want = variant.tasks.find((t) => t.id === task)?.gate
        let seen: ReturnType<typeof paneDeath>
        await until(() => {
          seen = paneDeath(e, task)
          return seen?.dead === true && seen.status !== undefined
        }, 10_000)
        if (seen?.dead === true && seen.status === want) fact("pane showed its exit status")
        trace.push(
          `downtime: ${task} (pid ${pid}) exited, pane ${seen === undefined ? "gone" : `dead=${seen.dead} status=${seen.status}`}`
        )
      }
      if (end.cls === "during resume") cliKills += 1
      if (end.cls === "answer handoff") {
        const crashAt = rng() < 0.5 ? "none" : rng() < 0.5 ? "prompt:after-intent" : "prompt:after-send"
        const d = await before(e.deliver("asker", ANSWER_KEY, ANSWER, crashAt), deadline, "delivering the answer")
        trace.push(`deliver: ${d.signal === "SIGKILL" ? `SIGKILL at ${crashAt}` : d.stdout.trim()}`)
        if (d.signal === "SIGKILL") delivererKills += 1
        else if (!d.stdout.startsWith("delivered"))
          throw new Error(`the answer was not delivered: ${d.stdout} ${d.stderr}`)
      }
    }
    const phase = e.state()?.phase
    if (phase !== finalPhase) throw new Error(`the batch ended ${phase} (reference: ${finalPhase})`)
    judged = judge(e, spec.reference, variant, extraStarts)
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  }
  const violations =
    judged === undefined
      ? 1
      : judged.lost +
        judged.policyMismatch +
        judged.twice +
        judged.doublePrompt +
        judged.promptUnsettled +
        judged.logLost +
        judged.logDup +
        judged.logOrder +
        judged.treeMismatch +
        judged.exitMismatch +
        judged.leftoverSessions +
        judged.leftoverWorktrees +
        judged.leftoverBranches
  // A violation keeps the temp dir (repo, state, journal, logs) for a post-mortem; the tmux server
  // and every child process go in any case.
  const kept = error !== undefined || violations > 0
  const prompts = promptStatuses(e)
  try {
    return {
      ms: Date.now() - t0,
      kills,
      delivererKills,
      missed: !primaryDone,
      judged,
      error,
      prompts,
      trace,
      facts,
      dir: e.dir,
      kept
    }
  } finally {
    await e.cleanup({ keepDir: kept })
  }
}
