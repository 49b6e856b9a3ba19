/**
 * The real-machine harness, part 4: a batch of `shell` tasks with real paths, persisted and launched
 * through the engine's own launch path, and the live adapters over a spawn-counting spawner.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChildProcessSpawner } from "effect/process"
import { sessionNameFor, worktreeFor, type BatchState, type Task } from "../../../core/domain/index.ts"
import { launchTask } from "../../../core/engine/waves/Launch.ts"
import { batchPaths } from "../../../core/domain/Layout.ts"
import { saveState } from "../../../core/engine/support/StateIO.ts"
import { Worktrees } from "../../../core/ports/Worktrees.ts"
import * as AgentLauncherFs from "../../../adapters/agent/AgentLauncherFs.ts"
import * as WorktreesGit from "../../../adapters/git/WorktreesGit.ts"
import * as NotifierExec from "../../../adapters/notify/NotifierExec.ts"
import * as LogTailFs from "../../../adapters/logs/LogTailFs.ts"
import type { LiveServices } from "../../../adapters/node.ts"
import * as ProcessTableLinux from "../../../adapters/processtable/ProcessTableLinux.ts"
import * as StoreLayers from "../../../adapters/store/StoreLayers.ts"
import * as TmuxCli from "../../../adapters/tmux/TmuxCli.ts"
import type { TmuxError } from "../../../core/ports/Tmux.ts"

import { GIT_ENV } from "./repo.ts"

/** One task of a real batch: a `shell` agent running `command`. */
export interface RealTaskSpec {
  readonly id: string
  readonly command?: ReadonlyArray<string>
}

/** A long-running agent that dies on SIGHUP (as an agent does when its tmux server dies). */
export const SLEEPER: ReadonlyArray<string> = ["sleep", "600"]

/** A pending, executing state for `tasks` (one wave) in the real repo `root`. */
export const realState = (
  root: string,
  batchId: string,
  tasks: ReadonlyArray<RealTaskSpec>,
  now = Date.now()
): BatchState => ({
  version: 1,
  batchId,
  phase: "executing",
  repoRoot: root,
  baseBranch: "main",
  waves: [tasks.map((t) => t.id)],
  tasks: tasks.map(
    (t): Task => ({
      id: t.id,
      status: "pending",
      dependsOn: [],
      agent: "shell",
      prompt: `do ${t.id}`,
      command: t.command ?? SLEEPER,
      attempts: 0,
      lane: t.id,
      session: sessionNameFor(batchId, t.id),
      worktree: worktreeFor(root, batchId, t.id),
      branch: `rekindle/${batchId}/${t.id}`,
      doneMarker: batchPaths(root, batchId).marker(t.id)
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

/** One spawn the counting spawner saw. */
export interface SpawnCall {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

/** `git status`, `tmux list-panes`…: the program and its subcommand (global flags skipped). */
export const subcommand = (call: SpawnCall): string => {
  const skip = call.command === "git" ? ["-C"] : call.command === "tmux" ? ["-L", "-S"] : []
  let i = 0
  while (i < call.args.length && call.args[i]!.startsWith("-")) i += skip.includes(call.args[i]!) ? 2 : 1
  return `${call.command} ${call.args[i] ?? ""}`
}

/** A ChildProcessSpawner that wraps Node's and records every spawn. */
export interface CountingSpawner {
  readonly layer: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner>
  readonly calls: ReadonlyArray<SpawnCall>
  readonly count: () => number
  readonly reset: () => void
}

const describeCommand = (cmd: Parameters<ChildProcessSpawner.ChildProcessSpawner["Service"]["spawn"]>[0]): SpawnCall =>
  cmd._tag === "StandardCommand"
    ? { command: cmd.command, args: cmd.args.map(String) }
    : { command: "(piped)", args: [] }

/** Make a counting spawner over `@effect/platform-node/NodeServices`' real one. */
export const countingSpawner = (): CountingSpawner => {
  const calls: Array<SpawnCall> = []
  const layer = Layer.effect(
    ChildProcessSpawner.ChildProcessSpawner,
    Effect.gen(function* () {
      const real = yield* ChildProcessSpawner.ChildProcessSpawner
      return ChildProcessSpawner.make((cmd) =>
        Effect.suspend(() => {
          calls.push(describeCommand(cmd))
          return real.spawn(cmd)
        })
      )
    })
  ).pipe(Layer.provide(NodeServices.layer))
  return { layer, calls, count: () => calls.length, reset: () => void calls.splice(0) }
}

/**
 * The live adapters composed as adapters/node.ts does, but over `spawner` (which replaces Node's
 * spawner in the services exposed too) and git isolated from the machine's config.
 */
export const countingLayer = (socket: string, spawner: CountingSpawner): Layer.Layer<LiveServices, TmuxError> =>
  Layer.mergeAll(
    TmuxCli.layer({ socket }),
    WorktreesGit.layer({ env: GIT_ENV }),
    ProcessTableLinux.layer,
    StoreLayers.layerFs(),
    AgentLauncherFs.layer(),
    LogTailFs.layer,
    NotifierExec.layer
  ).pipe(Layer.provideMerge(Layer.mergeAll(NodeServices.layer, spawner.layer)))

/**
 * Persist a batch of `shell` tasks in `root`, create each task's worktree (Worktrees.add) and launch
 * each agent through the engine's own launch path, as test/support/world.ts `startBatch` does on
 * the FakeWorld. Returns the saved state (tasks running, attempts 1, agent identities recorded).
 */
export const startRealBatch = (root: string, batchId: string, tasks: ReadonlyArray<RealTaskSpec>) =>
  Effect.gen(function* () {
    let state = yield* saveState(realState(root, batchId, tasks), Date.now())
    const git = yield* Worktrees
    for (const id of state.waves[0] ?? []) {
      const task = state.tasks.find((t) => t.id === id)!
      yield* git.add(root, { path: task.worktree!, branch: task.branch!, base: "main" })
      const { task: launched } = yield* launchTask(state, task, { mode: "first", attempt: 1, reason: "wave 1" })
      state = yield* saveState({ ...state, tasks: state.tasks.map((t) => (t.id === id ? launched : t)) }, Date.now())
    }
    return state
  })
