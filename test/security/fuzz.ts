/**
 * The laws behind the manifest property test and the campaign's fuzz rows, as plain functions:
 * the decoder is total (validateManifest and the Schema decode never throw, whatever JSON they get),
 * and an accepted manifest never leads rekindle outside `<repo>/.rekindle/`: the initial state and
 * the recovery plan built from it on the FakeWorld (wave 1 launched, then a crash) name worktrees
 * only under `<repo>/.rekindle/worktrees/<batch>/`, logs and done markers only under `.rekindle/`,
 * sessions only by the task's own name and branches only under `rekindle/<batch>/`.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Manifest, validateManifest } from "../../core/domain/Manifest.ts"
import { sessionNameFor, WORKTREE_DIR } from "../../core/domain/Naming.ts"
import type { PlanStep } from "../../core/domain/Plan.ts"
import type { BatchState } from "../../core/domain/State.ts"
import { launchTask } from "../../core/engine/waves/Launch.ts"
import { batchPaths, isInside, stateRoot } from "../../core/domain/Layout.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { prepare } from "../../core/engine/usecases/Run.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { FakeWorld } from "../../adapters/testing.ts"

const REPO = "/work/repo"
const decodeSchema = Schema.decodeUnknownResult(Manifest, { errors: "all", onExcessProperty: "error" })

/** Whether the decoders threw on `input` (a crash), and whether validateManifest accepted it. */
export const decodeOutcome = (input: unknown): { readonly crash?: string; readonly accepted: boolean } => {
  try {
    decodeSchema(input)
    return { accepted: Result.isSuccess(validateManifest(input)) }
  } catch (e) {
    return { crash: e instanceof Error ? `${e.name}: ${e.message}` : String(e), accepted: false }
  }
}

/** How the world is disturbed after wave 1 was launched, before the plan is made. */
export type Disturbance =
  | "none"
  | "kill-server"
  | "crash-first-pane"
  | "dirty-and-crash"
  | "delete-first-worktree"
  | "marker-written"

/** Every disturbance, in order. */
export const DISTURBANCES: ReadonlyArray<Disturbance> = [
  "none",
  "kill-server",
  "crash-first-pane",
  "dirty-and-crash",
  "delete-first-worktree",
  "marker-written"
]

/** Every path, session and branch `state` and `steps` name that is not rekindle's own. */
export const escapesOf = (state: BatchState, steps: ReadonlyArray<PlanStep>): ReadonlyArray<string> => {
  const root = `${REPO}/${WORKTREE_DIR}/${state.batchId}`
  const paths = batchPaths(REPO, state.batchId)
  const sessions = new Set(state.tasks.map((t) => sessionNameFor(state.batchId, t.id)))
  const bad: Array<string> = []
  const worktree = (what: string, p: string | undefined) => {
    if (p !== undefined && !isInside(root, p)) bad.push(`${what} ${JSON.stringify(p)} outside ${root}`)
  }
  for (const t of state.tasks) {
    worktree(`task ${t.id} worktree`, t.worktree)
    for (const [what, p] of [
      ["done marker", t.doneMarker],
      ["log", paths.log(t.id)]
    ] as const) {
      if (p !== undefined && !isInside(stateRoot(REPO), p))
        bad.push(`task ${t.id} ${what} ${JSON.stringify(p)} outside .rekindle`)
    }
  }
  for (const s of steps) {
    if (s._tag === "SnapshotWip" || s._tag === "RelaunchAgent") worktree(s._tag, s.worktree)
    if (s._tag === "RemoveWorktree" || s._tag === "SnapshotOrphan") worktree(s._tag, s.path)
    if ((s._tag === "StopSession" || s._tag === "Reattach" || s._tag === "RelaunchAgent") && !sessions.has(s.session)) {
      bad.push(`${s._tag} names session ${JSON.stringify(s.session)}`)
    }
    if (s._tag === "DeleteBranch" && !s.branch.startsWith(`rekindle/${state.batchId}/`))
      bad.push(`DeleteBranch ${JSON.stringify(s.branch)}`)
  }
  return bad
}

/** What one manifest's plan check found. */
export interface PlanCheck {
  /** Paths, sessions and branches that are not rekindle's own (violations). */
  readonly escapes: ReadonlyArray<string>
  /** The tags of the plan's steps (what was checked). */
  readonly steps: ReadonlyArray<PlanStep["_tag"]>
  /** With a done marker written for the first task: its decision, which must be mark-complete. */
  readonly markedAs?: string
  /** An unexpected failure of prepare, launch or plan. */
  readonly error?: string
}

/**
 * Prepare `manifest` on a fresh FakeWorld (the real `prepare`: file read, validation, initial state,
 * save), launch wave 1 through the engine's launch path, disturb the world, plan, and return what
 * escaped. Unexpected failures are returned as `error` (the caller counts them).
 */
export const planEscapes = async (manifest: unknown, disturbance: Disturbance): Promise<PlanCheck> => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "hostile\n" })
  const manifestPath = "/work/manifest.json"
  world.writeFile(manifestPath, JSON.stringify(manifest))
  const exit = await world.runExit(
    Effect.gen(function* () {
      let state = yield* prepare({ repoRoot: REPO, manifestPath })
      const git = yield* Worktrees
      for (const id of state.waves[0] ?? []) {
        const task = state.tasks.find((t) => t.id === id)!
        yield* git.add(REPO, { path: task.worktree!, branch: task.branch!, base: state.baseBranch })
        const { task: launched } = yield* launchTask(state, task, { mode: "first", attempt: 1, reason: "wave 1" })
        state = yield* saveState(
          { ...state, phase: "executing", tasks: state.tasks.map((t) => (t.id === id ? launched : t)) },
          world.clock.now()
        )
      }
      return state
    })
  )
  if (exit._tag === "Failure")
    return { escapes: [], steps: [], error: `prepare/launch: ${String(exit.cause).slice(0, 300)}` }
  const state = exit.value
  const first = state.tasks.find((t) => t.id === state.waves[0]?.[0])
  if (disturbance === "kill-server") world.killServer()
  if (disturbance === "dirty-and-crash" && first?.worktree !== undefined) world.dirtyWorktree(first.worktree)
  if ((disturbance === "crash-first-pane" || disturbance === "dirty-and-crash") && first !== undefined) {
    const agent = world.agents.current(first.id)
    if (agent !== undefined) world.crashPane(agent.paneId)
  }
  if (disturbance === "delete-first-worktree" && first?.worktree !== undefined) world.deleteWorktreeDir(first.worktree)
  if (disturbance === "marker-written" && first?.doneMarker !== undefined)
    world.writeFile(first.doneMarker, JSON.stringify({ status: "succeeded" }))
  const planned = await world.runExit(plan({ repoRoot: REPO, batchId: state.batchId }))
  if (planned._tag === "Failure")
    return { escapes: escapesOf(state, []), steps: [], error: `plan: ${String(planned.cause).slice(0, 300)}` }
  const steps = planned.value.plan.steps
  const markedAs =
    disturbance === "marker-written"
      ? (planned.value.decisions.find((d) => d.taskId === first?.id)?.action ?? "no decision")
      : undefined
  return {
    escapes: escapesOf(planned.value.state, steps),
    steps: steps.map((s) => s._tag),
    ...(markedAs === undefined ? {} : { markedAs })
  }
}
