/**
 * One iteration of the kill -9 loop (test/soak/KillLoop.ts) on real tmux + git: start the soak batch
 * under a supervisor fixture (test/fixtures/soak-supervisor.ts), SIGKILL it at the planned moment,
 * then resume — first with the fixture while the planned kill has not landed, then with the real
 * CLI (`rekindle resume`, as users run it), itself SIGKILLed at random now and then — until the batch
 * is done. `asker` waits for an answer: the first supervisor seen running while it waits unanswered
 * is SIGKILLed (the operator stops it) and the answer is delivered through rekindle's at-most-once
 * protocol by a separate process (test/fixtures/e2e-deliver.ts) that may itself die at a crash point.
 */
import * as nodePath from "node:path"
import { E2E, openMerges, type Supervisor } from "./e2e.ts"
import { ANSWER, ANSWER_KEY, askerWaitsUnanswered, judge, type Judged, type Outcome, outcomeOf, promptStatuses, SOAK_BATCH, soakManifest, startCount, typeAnswer } from "./soak-batch.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const FIXTURE = nodePath.join(ROOT, "test/fixtures/soak-supervisor.ts")
const CLI = nodePath.join(ROOT, "cli/main.ts")

/** Where a kill landed. */
export type KillClass = "launch" | "mid-wave" | "merge" | "state save" | "during resume" | "answer handoff"

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
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), Math.max(0, deadline - Date.now()))))
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}
const lastNumber = (out: string, prefix: string): number | undefined => {
  const all = [...out.matchAll(new RegExp(`^${prefix} (\\d+)$`, "gm"))]
  return all.length === 0 ? undefined : Number(all.at(-1)![1])
}
const mergeIntents = (e: E2E) => new Set(e.journal().filter((l) => l.kind === "merge" && l.phase === "intent").map((l) => l.key)).size

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
  | { readonly tag: "killed"; readonly cls: KillClass; readonly primary: boolean }

/** Watch one supervisor until it ends or is killed (by itself, by plan, or for the answer). */
const watch = async (e: E2E, sup: Supervisor, spec: {
  readonly fixture: boolean
  readonly primary: Primary | undefined
  readonly delayLeft: number
  readonly killAt: number | undefined
  readonly deadline: number
}): Promise<Ending> => {
  let gone = false
  void sup.exited.then(() => (gone = true))
  const t0 = Date.now()
  const kill = async (cls: KillClass | undefined, primary: boolean): Promise<Ending> => {
    await sup.kill9()
    return { tag: "killed", cls: cls ?? classify(e), primary }
  }
  for (;;) {
    if (gone) {
      const self = /^killed (hook (\S+)|save)/m.exec(sup.stdout())
      if (self !== null) {
        const p = spec.primary
        return { tag: "killed", cls: self[1] === "save" ? "state save" : p?.kind === "hook" ? p.cls : "mid-wave", primary: true }
      }
      const ok = spec.fixture ? /^ended completed$/m.test(sup.stdout()) : (await sup.exited) === 0
      return { tag: "ended", ok, detail: `${sup.stdout().slice(-400)} ${sup.stderr().slice(-600)}`.trim() }
    }
    if (Date.now() > spec.deadline) {
      await sup.kill9()
      throw new Error(`timed out (phase ${e.state()?.phase}, tasks ${e.state()?.tasks.map((t) => `${t.id}=${t.status}`).join(" ")})`)
    }
    if (askerWaitsUnanswered(e)) return kill("answer handoff", false)
    const p = spec.primary
    if (spec.fixture && p !== undefined) {
      if (p.kind === "delay" && Date.now() - t0 >= spec.delayLeft) return kill(undefined, true)
      if (p.kind === "starts" && startCount(e) >= p.at) return kill("launch", true)
      if (p.kind === "merge-open" && mergeIntents(e) >= p.at && openMerges(e.journal()).length > 0) return kill("merge", true)
    }
    if (spec.killAt !== undefined && Date.now() >= spec.killAt) return kill("during resume", false)
    await sleep(20)
  }
}

/** The fixture's kill plan for this life (hook and save counts continue from earlier lives). */
const fixturePlan = (primary: Primary | undefined, hookFrom: number, saveFrom: number): string =>
  JSON.stringify(primary?.kind === "hook" ? { hook: { labels: primary.labels, at: primary.at }, hookFrom }
    : primary?.kind === "save" ? { save: primary.at, saveFrom } : {})

/** Run the reference: the batch uninterrupted, the answer typed into the pane once it is asked for. */
export const referenceRun = async (): Promise<{ readonly outcome: Outcome; readonly reached: Readonly<Record<string, number>>; readonly ms: number }> => {
  const e = new E2E(SOAK_BATCH)
  const t0 = Date.now()
  try {
    const manifest = soakManifest(e)
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
    const outcome = outcomeOf(e)
    if (outcome.phase !== "completed") throw new Error(`the reference run ended ${outcome.phase}: ${sup.stdout()}`)
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
}): Promise<IterationResult> => {
  const { primary, rng } = spec
  const e = new E2E(SOAK_BATCH)
  const t0 = Date.now()
  const deadline = t0 + spec.timeoutMs
  const kills: Record<KillClass, number> = { "launch": 0, "mid-wave": 0, "merge": 0, "state save": 0, "during resume": 0, "answer handoff": 0 }
  let delivererKills = 0
  const trace: Array<string> = []
  let judged: Judged | undefined
  let error: string | undefined
  let primaryDone = false
  try {
    const manifest = soakManifest(e)
    let hookFrom = 0
    let saveFrom = 0
    let supervised = 0
    let cliKills = 0
    for (let life = 0; ; life++) {
      // Killed after it finished the batch (before it could exit): there is nothing left to resume.
      if (life > 0 && e.state()?.phase === "completed") break
      const fixture = !primaryDone
      const killAt = !fixture && cliKills < 3 && rng() < 0.3 ? Date.now() + 500 + rng() * 5_500 : undefined
      // Killed before the batch left planning (or before its state existed): what rekindle tells the
      // user to do then is to start it again with `rekindle run`, not to resume it.
      const phase = life === 0 ? undefined : e.state()?.phase ?? "none"
      const rerun = phase === "none" || phase === "planning" || phase === "idle"
      const sup = fixture
        ? e.node([FIXTURE, e.repo, SOAK_BATCH, e.socket, fixturePlan(primary, hookFrom, saveFrom), ...(life === 0 || rerun ? [manifest] : [])])
        : e.node([CLI, ...(rerun ? ["run", manifest] : ["resume", SOAK_BATCH]), "--repo", e.repo, "--socket", e.socket])
      const started = Date.now()
      const end = await watch(e, sup, { fixture, primary: fixture ? primary : undefined, delayLeft: primary.kind === "delay" ? primary.ms - supervised : 0, killAt, deadline })
      if (fixture) {
        supervised += Date.now() - started
        hookFrom = lastNumber(sup.stdout(), "at hook") ?? hookFrom
        saveFrom = lastNumber(sup.stdout(), "at save") ?? saveFrom
      }
      trace.push(`${fixture ? "fixture" : "cli"}${rerun ? " run" : ""} ${Math.round((Date.now() - started) / 100) / 10}s: ${end.tag === "ended" ? (end.ok ? "completed" : "failed") : `killed (${end.cls})`}`)
      if (end.tag === "ended") {
        if (!end.ok) throw new Error(`${fixture ? "the supervisor" : `rekindle ${rerun ? "run" : "resume"}`} did not complete the batch: ${end.detail}`)
        break
      }
      kills[end.cls] += 1
      if (end.primary) primaryDone = true
      if (end.cls === "during resume") cliKills += 1
      if (end.cls === "answer handoff") {
        const crashAt = rng() < 0.5 ? "none" : rng() < 0.5 ? "prompt:after-intent" : "prompt:after-send"
        const d = await before(e.deliver("asker", ANSWER_KEY, ANSWER, crashAt), deadline, "delivering the answer")
        trace.push(`deliver: ${d.signal === "SIGKILL" ? `SIGKILL at ${crashAt}` : d.stdout.trim()}`)
        if (d.signal === "SIGKILL") delivererKills += 1
        else if (!d.stdout.startsWith("delivered")) throw new Error(`the answer was not delivered: ${d.stdout} ${d.stderr}`)
      }
    }
    const phase = e.state()?.phase
    if (phase !== "completed") throw new Error(`the batch ended ${phase}`)
    judged = judge(e, spec.reference)
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  }
  const violations = judged === undefined ? 1 : judged.lost + judged.twice + judged.doublePrompt + judged.promptUnsettled + judged.logLost + judged.logDup + judged.logOrder + judged.treeMismatch
  // A violation keeps the temp dir (repo, state, journal, logs) for a post-mortem; the tmux server
  // and every child process go in any case.
  const kept = error !== undefined || violations > 0
  const prompts = promptStatuses(e)
  try {
    return { ms: Date.now() - t0, kills, delivererKills, missed: !primaryDone, judged, error, prompts, trace, dir: e.dir, kept }
  } finally {
    await e.cleanup({ keepDir: kept })
  }
}
