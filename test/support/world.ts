/**
 * Engine test harness over the FakeWorld: a repo, a batch whose first wave is running (worktrees
 * created, agents launched through the engine's own launch path), and small readers.
 */
import * as Effect from "effect/Effect"
import { ownershipTag, sessionNameFor, worktreeFor, type BatchState, type Task } from "../../core/domain/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { launchTask } from "../../core/engine/waves/Launch.ts"
import { loadState, saveState } from "../../core/engine/support/StateIO.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import type { FakeWorld } from "../../adapters/testing.ts"

export const REPO = "/work/repo"
export const BATCH = "b1"

/** One task of a test batch. */
export interface TaskSpec {
  readonly id: string
  readonly dependsOn?: ReadonlyArray<string>
  /** The task's own environment variables (manifest `env`). */
  readonly env?: Readonly<Record<string, string>>
  /** The agent kind (default `claude`). */
  readonly agent?: string
}

/** A pending state for `tasks` in `waves` (default: one wave). */
export const pendingState = (
  tasks: ReadonlyArray<TaskSpec>,
  waves?: ReadonlyArray<ReadonlyArray<string>>,
  now = 0
): BatchState => ({
  version: 1,
  batchId: BATCH,
  phase: "executing",
  repoRoot: REPO,
  baseBranch: "main",
  waves: waves ?? [tasks.map((t) => t.id)],
  tasks: tasks.map(
    (t): Task => ({
      id: t.id,
      status: "pending",
      dependsOn: t.dependsOn ?? [],
      agent: t.agent ?? "claude",
      prompt: `do ${t.id}`,
      attempts: 0,
      lane: t.id,
      session: sessionNameFor(BATCH, t.id),
      worktree: worktreeFor(REPO, BATCH, t.id),
      branch: `rekindle/${BATCH}/${t.id}`,
      doneMarker: batchPaths(REPO, BATCH).marker(t.id),
      ...(t.env === undefined ? {} : { env: t.env })
    })
  ),
  lanes: [],
  merges: [],
  counters: {},
  errors: [],
  logCheckpoints: {},
  prompts: [],
  createdAt: now,
  updatedAt: now
})

/** Create the repo, persist the batch, create worktrees and launch every task of wave 0. */
export const startBatch = (
  world: FakeWorld,
  tasks: ReadonlyArray<TaskSpec>,
  waves?: ReadonlyArray<ReadonlyArray<string>>
) => {
  world.git.initRepo(REPO, { "README.md": "hello\n" })
  return world.run(
    Effect.gen(function* () {
      let state = yield* saveState(pendingState(tasks, waves, world.clock.now()), world.clock.now())
      const git = yield* Worktrees
      for (const id of state.waves[0] ?? []) {
        const task = state.tasks.find((t) => t.id === id)!
        yield* git.add(REPO, { path: task.worktree!, branch: task.branch!, base: "main" })
        const { task: launched } = yield* launchTask(state, task, { mode: "first", attempt: 1, reason: "wave 1" })
        state = yield* saveState(
          { ...state, tasks: state.tasks.map((t) => (t.id === id ? launched : t)) },
          world.clock.now()
        )
      }
      return state
    })
  )
}

/** The persisted state. */
export const readState = (world: FakeWorld) => world.run(loadState({ repoRoot: REPO, batchId: BATCH }))

/** The pane id of a task's live agent. */
export const paneOf = (world: FakeWorld, taskId: string): string => {
  const agent = world.agents.current(taskId)
  if (agent === undefined) throw new Error(`no live agent for ${taskId}`)
  return agent.paneId
}

/** Tag helper for assertions. */
export const tagOf = (taskId: string) => ownershipTag(BATCH, taskId)
