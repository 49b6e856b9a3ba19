/**
 * The laws of the decision core, as properties over generated scenarios (consistent worlds) and
 * over raw Schema-generated documents (anything the Schemas admit).
 */
import fc from "fast-check"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import {
  BatchStateFields,
  computeResumePoint,
  encodeState,
  isDestructive,
  migrateState,
  planRecovery,
  reconcile,
  Signals,
  sessionNameFor,
  type BatchState,
  type Plan,
  type PlanStep,
  type Signals as SignalsT
} from "../../core/domain/index.ts"
import { monitorTask } from "../../core/domain/Monitor.ts"
import { permute, scenario } from "../support/scenarios.ts"

const RUNS = Number(process.env["REKINDLE_PROPERTY_RUNS"] ?? 300)

const decide = (state: BatchState, signals: SignalsT) => {
  const decisions = reconcile(state, signals)
  const resumePoint = computeResumePoint(state, decisions)
  const plan = planRecovery(state, decisions, resumePoint, { now: signals.observedAt })
  return { decisions, resumePoint, plan }
}

/** effect's Arbitrary is its own engine: bridge it into fast-check (seed + size, no shrinking). */
const fromSchema = <A>(arb: Arbitrary.Arbitrary<A>): fc.Arbitrary<A> =>
  fc
    .tuple(fc.noShrink(fc.integer()), fc.nat({ max: 12 }))
    .map(([seed, size]) => Effect.runSync(Arbitrary.sampleEffect(arb, { count: 1, seed, size }))[0]!)

const rawState = fromSchema(Arbitrary.schema(BatchStateFields))
const rawSignals = fromSchema(Arbitrary.schema(Signals))

describe("laws over raw Schema-generated documents", () => {
  it("totality: never throws, one decision per distinct task, every id in exactly one category", () => {
    fc.assert(
      fc.property(rawState, rawSignals, (state, signals) => {
        const { decisions, resumePoint } = decide(state, signals)
        const ids = [...new Set(state.tasks.map((t) => t.id))].sort()
        expect(decisions.map((d) => d.taskId).sort()).toEqual(ids)
        const cats = [
          resumePoint.completed,
          resumePoint.failed,
          resumePoint.skipped,
          resumePoint.pending,
          resumePoint.reconnect,
          resumePoint.reExecute,
          resumePoint.held,
          resumePoint.blocked
        ].flat()
        expect(cats.sort()).toEqual(ids)
      }),
      { numRuns: Math.ceil(RUNS / 3) }
    )
  })

  it("state encode → JSON → decode round trip, unknown top-level fields included", () => {
    const extras = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in BatchStateFields.fields)),
      fc.jsonValue(),
      { maxKeys: 3 }
    )
    fc.assert(
      fc.property(rawState, extras, (state, extra) => {
        const doc = JSON.parse(JSON.stringify({ ...extra, ...(encodeState(state) as object) }))
        const back = migrateState(doc)
        expect(Result.isSuccess(back)).toBe(true)
        expect(JSON.parse(JSON.stringify(encodeState(Result.getOrThrow(back))))).toEqual(doc)
      }),
      { numRuns: Math.ceil(RUNS / 3) }
    )
  })
})

const namesIn = (step: PlanStep): { sessions: Array<string>; worktrees: Array<string> } => {
  switch (step._tag) {
    case "StopSession":
      return { sessions: [step.session], worktrees: [] }
    case "RelaunchAgent":
      return { sessions: [step.session], worktrees: [step.worktree] }
    case "Reattach":
      return { sessions: [step.session], worktrees: [] }
    case "SnapshotWip":
      return { sessions: [], worktrees: [step.worktree] }
    default:
      return { sessions: [], worktrees: [] }
  }
}

describe("laws over generated scenarios", () => {
  it("determinism: same input, same output, whatever the order of the arrays", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals, order }) => {
        const a = decide(state, signals)
        expect(decide(state, signals)).toEqual(a)
        const shuffled: BatchState = { ...state, tasks: permute(state.tasks, order), merges: state.merges }
        const sig: SignalsT = {
          ...signals,
          tmux:
            signals.tmux.state === "up"
              ? { state: "up", panes: permute(signals.tmux.panes, [...order].reverse()) }
              : signals.tmux,
          processes:
            signals.processes.state === "known"
              ? { state: "known", processes: permute(signals.processes.processes, order) }
              : signals.processes,
          worktrees: permute(signals.worktrees, order)
        }
        expect(decide(shuffled, sig)).toEqual(a)
      }),
      { numRuns: RUNS }
    )
  })

  it("safety: plan steps name only sessions and worktrees the state records (or observed under the task's tag)", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals }) => {
        const { decisions, plan } = decide(state, signals)
        const sessions = new Set(state.tasks.flatMap((t) => [t.session, sessionNameFor(state.batchId, t.id)]))
        for (const d of decisions) if (d.evidence.sessionName !== undefined) sessions.add(d.evidence.sessionName)
        const worktrees = new Set(state.tasks.flatMap((t) => (t.worktree === undefined ? [] : [t.worktree])))
        for (const step of plan.steps) {
          const n = namesIn(step)
          for (const s of n.sessions) expect(sessions.has(s)).toBe(true)
          for (const w of n.worktrees) expect(worktrees.has(w)).toBe(true)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it("never re-execute, mark-failed, stop or relaunch a task whose agent process is alive", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals, aliveAgents }) => {
        const { decisions, plan } = decide(state, signals)
        for (const d of decisions) {
          if (!aliveAgents.has(d.taskId)) continue
          expect(["re-execute", "mark-failed"]).not.toContain(d.action)
        }
        for (const step of plan.steps) {
          if ((step._tag === "StopSession" || step._tag === "RelaunchAgent") && step.taskId !== undefined) {
            expect(aliveAgents.has(step.taskId)).toBe(false)
          }
        }
      }),
      { numRuns: RUNS }
    )
  })

  it("one outcome rule: for a running task, resume decides what the live supervisor records on the same observation", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals }) => {
        const { decisions } = decide(state, signals)
        for (const d of decisions) {
          const task = state.tasks.find((t) => t.id === d.taskId)!
          if (task.status !== "running" && task.status !== "stalled") continue
          // A stall timeout no observation reaches: only the outcome rule speaks.
          const tr = monitorTask(state, task, signals, Number.MAX_SAFE_INTEGER)
          // running ⇄ stalled is the stall rule's business (a live agent is watched either way).
          const supervisor =
            tr?.recover === true
              ? "re-execute"
              : tr === undefined || tr.status === "running" || tr.status === "stalled"
                ? "watch"
                : tr.status === "failed"
                  ? `failed:${tr.exitStatus ?? "-"}`
                  : tr.status
          const resume =
            d.action === "mark-complete"
              ? d.outcome === "failed"
                ? "failed:-"
                : "succeeded"
              : d.action === "mark-failed"
                ? `failed:${d.exitStatus ?? "-"}`
                : d.action === "re-execute"
                  ? "re-execute"
                  : "watch"
          expect(`${d.taskId}:${supervisor}`).toBe(`${d.taskId}:${resume}`)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it("an agent that exited on its own (dead pane with an exit status, no marker) is failed with that status, never relaunched", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals, aliveAgents }) => {
        const { decisions, plan } = decide(state, signals)
        for (const d of decisions) {
          if (d.evidence.session !== "dead-pane" || d.evidence.exitStatus === undefined || aliveAgents.has(d.taskId))
            continue
          if (d.evidence.marker === "succeeded" || d.evidence.marker === "failed") continue
          const task = state.tasks.find((t) => t.id === d.taskId)!
          if (["succeeded", "failed", "skipped"].includes(task.status)) continue
          expect(d.action).toBe("mark-failed")
          expect(d.exitStatus).toBe(d.evidence.exitStatus)
          expect(plan.steps.some((s) => s._tag === "RelaunchAgent" && s.taskId === d.taskId)).toBe(false)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it("an untagged pane is never rekindle's in a batch it runs: never reconnected, stopped or taken as the agent", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals }) => {
        const { decisions, plan } = decide(state, signals)
        const panes = signals.tmux.state === "up" ? signals.tmux.panes : []
        const userSessions = new Set(panes.filter((p) => p.taskTag === undefined).map((p) => p.sessionName))
        for (const d of decisions) {
          if (d.evidence.sessionName !== undefined) expect(userSessions.has(d.evidence.sessionName)).toBe(false)
        }
        for (const step of plan.steps) {
          if (step._tag === "StopSession" || step._tag === "Reattach")
            expect(userSessions.has(step.session)).toBe(false)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it("no destructive step and no continuation when tmux is unknown", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals }) => {
        fc.pre(signals.tmux.state === "unknown")
        const { plan } = decide(state, signals)
        expect(plan.steps.filter(isDestructive)).toEqual([])
        expect(plan.steps.some((s) => s._tag === "ContinueFromWave")).toBe(false)
      }),
      { numRuns: RUNS }
    )
  })

  it("idempotence: applying the plan to a model world and reconciling again yields no further destructive step", () => {
    fc.assert(
      fc.property(scenario, ({ state, signals }) => {
        const { plan } = decide(state, signals)
        const after = applyToModel(state, signals, plan)
        const again = decide(after.state, after.signals)
        expect(again.plan.steps.filter(isDestructive)).toEqual([])
      }),
      { numRuns: RUNS }
    )
  })
})

/** A simple model of what the engine does to the world for each step. */
const applyToModel = (state: BatchState, signals: SignalsT, plan: Plan): { state: BatchState; signals: SignalsT } => {
  let tasks = state.tasks
  let panes = signals.tmux.state === "up" ? signals.tmux.panes : []
  let processes = signals.processes.state === "known" ? signals.processes.processes : []
  let merges = state.merges
  let nextPid = 90_000
  const setTask = (id: string, f: (t: BatchState["tasks"][number]) => BatchState["tasks"][number]) => {
    tasks = tasks.map((t) => (t.id === id ? f(t) : t))
  }
  for (const step of plan.steps) {
    switch (step._tag) {
      case "StopSession": {
        const gone = new Set(panes.filter((p) => p.sessionName === step.session).map((p) => p.panePid))
        panes = panes.filter((p) => p.sessionName !== step.session)
        processes = processes.filter((p) => !gone.has(p.pid))
        break
      }
      case "RelaunchAgent": {
        const pid = nextPid++
        panes = [
          ...panes,
          {
            sessionId: `$n${pid}`,
            sessionName: step.session,
            paneId: `%n${pid}`,
            panePid: pid,
            dead: false,
            currentCommand: "agent",
            taskTag: `${state.batchId}/${step.taskId}`
          }
        ]
        processes = [...processes, { pid, ppid: 1, startTime: `s${pid}`, argv: ["agent"] }]
        setTask(step.taskId, (t) => ({
          ...t,
          status: "running",
          attempts: step.attempt,
          session: step.session,
          agentProcess: { pid, startTime: `s${pid}`, host: signals.host }
        }))
        break
      }
      case "MarkTask":
        setTask(step.taskId, (t) => ({ ...t, status: step.status }))
        break
      case "Reattach":
        setTask(step.taskId, (t) => (t.status === "running" ? t : { ...t, status: "running" }))
        break
      case "RetryMerge":
        merges = [
          ...merges,
          ...step.lanes.map((lane) => ({ wave: step.wave, lane, status: "succeeded" as const, at: 1_000 }))
        ]
        break
      default:
        break
    }
  }
  return {
    state: { ...state, tasks, merges },
    signals: {
      ...signals,
      tmux: signals.tmux.state === "unknown" ? signals.tmux : { state: "up", panes },
      processes: signals.processes.state === "known" ? { state: "known", processes } : signals.processes
    }
  }
}
