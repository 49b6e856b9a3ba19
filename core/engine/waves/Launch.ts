/**
 * Launching a task's agent in its own tmux session: validate the worktree before any tmux call,
 * build argv from the launcher (resume when the transcript validated, else fresh with a handoff
 * prompt), create the session with the ownership tag and the pane log, and record the agent's
 * identity (pid + start time) so it is never confused with a process that later reuses its pid.
 * Shared by resume (relaunch) and the wave executor (first launch).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { ownershipTag, sessionNameFor } from "../../domain/Naming.ts"
import type { BatchState, PromptEntry, Task } from "../../domain/State.ts"
import { AgentLauncher, type KindRequest, type TrustChange } from "../../ports/AgentLauncher.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { fail } from "../support/Errors.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { foreignSession } from "../apply/Ownership.ts"

/** How many alternative names a launch tries when its session name is taken by a session not rekindle's. */
const MAX_NAME_TRIES = 9

/** How to start the agent. */
interface LaunchRequest {
  readonly mode: "first" | "resume" | "fresh"
  readonly attempt: number
  readonly reason: string
}

/** The prompt of a relaunch without a resumable conversation: the task plus where it stands. */
const handoffPrompt = (task: Task, attempt: number, head: string | undefined): string =>
  `${task.prompt}\n\n[rekindle] This is attempt ${attempt} of this task. A previous agent worked in this worktree ` +
  `and stopped before finishing. Continue from the work already in this worktree` +
  `${head === undefined ? "" : ` (last commit ${head.slice(0, 12)})`}; do not start over.`

/** The line for a trust key left alone because it holds the user's own other answer (history and plan). */
export const keptTrust = (change: Pick<TrustChange, "file" | "key" | "kept">): string =>
  `left ${change.key} = ${change.kept} in ${change.file}: the user's own answer, never overwritten ` +
  "(the agent may stop at its trust screen, or run the repository untrusted and ask before its tool calls)"

/** What the launcher needs to know about a task's agent: its kind, the batch's own row for it, args, env. */
export const kindRequest = (state: BatchState, task: Task): KindRequest => {
  const spec = state.options?.agents?.find((k) => k.name === task.agent)
  return {
    kind: task.agent,
    ...(spec === undefined ? {} : { spec }),
    ...(task.args === undefined ? {} : { args: task.args }),
    ...(task.env === undefined ? {} : { env: task.env })
  }
}

/**
 * The one turn sent with an exact-conversation relaunch: the restored agent sits idle at its input box otherwise (Claude
 * Code after `--resume`, measured). Short enough for one line of an 80-column pane (Claude echoes it after "❯ "), so
 * the prompt ledger finds it in the pane log.
 */
export const CONTINUATION_PROMPT = "[rekindle] You were interrupted. Continue your task where you left off."

/** The ledger key of the continuation turn of a task's `attempt`-th launch (at most one per relaunch). */
const continuationKey = (taskId: string, attempt: number): string => `continue:${taskId}:${attempt}`

/**
 * `prompts` with the continuation turn of `taskId`'s `attempt`-th launch recorded as sent (once: an entry
 * already there is kept). Both ways a relaunch is settled use it: the relaunch step, and the recovery of a
 * relaunch a crash interrupted after it landed.
 */
export const withContinuationSent = (
  prompts: ReadonlyArray<PromptEntry>,
  taskId: string,
  attempt: number,
  at: number
): ReadonlyArray<PromptEntry> => {
  const key = continuationKey(taskId, attempt)
  return prompts.some((p) => p.key === key)
    ? prompts
    : [...prompts, { key, taskId, text: CONTINUATION_PROMPT, status: "sent", at, delivery: "argv" }]
}

/** Fail unless the task's worktree is usable: missing, archived and corrupt are told apart. */
export const requireWorktree = Effect.fn("Launch.requireWorktree")(function* (task: Task) {
  if (task.worktreeArchived === true) {
    return yield* fail(
      "E_WORKTREE_ARCHIVED",
      `worktree of task ${task.id} was archived`,
      "restore it, or restart the task from scratch"
    )
  }
  if (task.worktree === undefined) {
    return yield* fail("E_WORKTREE_MISSING", `task ${task.id} has no worktree`, "restart the task to create one")
  }
  const git = yield* Worktrees
  const states = yield* git.pathStates([task.worktree])
  const st = states[task.worktree]
  if (st === "missing") {
    return yield* fail(
      "E_WORKTREE_MISSING",
      `worktree ${task.worktree} of task ${task.id} is missing`,
      "run `rekindle repair` to prune it, then restart the task"
    )
  }
  if (st === "corrupt") {
    return yield* fail(
      "E_WORKTREE_CORRUPT",
      `${task.worktree} exists but is not a git worktree (no .git)`,
      "inspect it by hand; rekindle will not touch it"
    )
  }
  return task.worktree
})

/** Start the agent of `task`; returns the task as it must be persisted afterwards. */
export const launchTask = Effect.fn("Launch.launchTask")(
  function* (state: BatchState, task: Task, request: LaunchRequest) {
    const worktree = yield* requireWorktree(task)
    const launcher = yield* AgentLauncher
    const tmux = yield* Tmux
    const procs = yield* ProcessTable
    const git = yield* Worktrees
    const paths = batchPaths(state.repoRoot, state.batchId)
    const wanted = task.session ?? sessionNameFor(state.batchId, task.id)
    const marker = task.doneMarker ?? paths.marker(task.id)

    // A relaunch continues from the worktree's HEAD. Without one — the task branch deleted by hand —
    // the agent's next commit would start an unrelated history that can never merge: stop instead.
    const head = request.mode === "first" ? undefined : yield* git.revParse(worktree, "HEAD").pipe(Effect.option)
    if (head !== undefined && head._tag === "None") {
      const branch = task.branch ?? "its branch"
      return yield* fail(
        "E_WORKTREE_CORRUPT",
        `worktree ${worktree} of task ${task.id} has no commit at HEAD: branch ${branch} is missing (deleted by hand?)`,
        `nothing was relaunched; restore it (git branch ${branch} <commit>; the worktree's files are kept, snapshotted under refs/rekindle/wip/${task.id}/), then resume`
      )
    }

    const kind = kindRequest(state, task)
    const launch =
      request.mode === "resume" && task.conversationId !== undefined
        ? yield* launcher.resumeArgv({
            ...kind,
            conversationId: task.conversationId,
            promptFile: paths.promptFile(task.id),
            cwd: worktree,
            prompt: CONTINUATION_PROMPT
          })
        : request.mode === "first"
          ? yield* launcher.freshArgv({
              ...kind,
              prompt: task.prompt,
              promptFile: paths.promptFile(task.id),
              cwd: worktree,
              ...(task.conversationId === undefined ? {} : { conversationId: task.conversationId }),
              ...(task.command === undefined ? {} : { command: task.command })
            })
          : yield* launcher.freshArgv({
              ...kind,
              prompt: handoffPrompt(task, request.attempt, head?._tag === "Some" ? head.value : undefined),
              promptFile: paths.promptFile(task.id),
              cwd: worktree,
              ...(task.command === undefined ? {} : { command: task.command })
            })

    // Running agents on this repository with rekindle is the user's act of trust in it: record the agent's folder
    // trust for the repository root (only that key; docs/agents.md#first-run-screens), so no trust screen blocks work.
    const trusted =
      state.options?.trustRepository === false
        ? undefined
        : yield* launcher.recordTrust({ ...kindRequest(state, task), repoRoot: state.repoRoot, preview: false })

    // tmux pipes the pane into the log from its first byte: the directory must exist (0700).
    const fs = yield* FileSystem.FileSystem
    // The agent writes its done marker into the state dir: create that directory 0700 too, so the
    // agent's mkdir (with the umask's 0755) never decides who can read it.
    const dirs = marker.startsWith(`${paths.markers}/`) ? [paths.logs, paths.markers] : [paths.logs]
    for (const dir of dirs) {
      yield* fs
        .makeDirectory(dir, { recursive: true, mode: 0o700 })
        .pipe(
          Effect.mapError((e) =>
            fail("E_IO", `cannot create ${dir}: ${e.message}`, "check permissions of the .rekindle directory")
          )
        )
    }
    // A done marker already there is not this launch's: one committed by an earlier task (a `worktree`
    // marker merged into the base branch comes back in every later checkout) or left by an earlier
    // attempt would complete this task before its agent did anything.
    yield* fs
      .remove(marker, { force: true })
      .pipe(
        Effect.mapError((e) =>
          fail("E_IO", `cannot remove the stale done marker ${marker}: ${e.message}`, "remove it by hand, then resume")
        )
      )
    // A session of that name that is not rekindle's (a user's, say) is never adopted or replaced: the
    // task takes the next free name instead (`<name>-2`, …), recorded in its state like any other.
    let session = wanted
    for (let n = 2; yield* foreignSession(state, session); n++) {
      if (n > MAX_NAME_TRIES) {
        return yield* fail(
          "E_TMUX_UNAVAILABLE",
          `cannot start task ${task.id}: sessions ${wanted} to ${wanted}-${MAX_NAME_TRIES} all exist and are not rekindle's`,
          "rename or stop those sessions (they are left alone), then resume"
        )
      }
      session = `${wanted}-${n}`
    }
    const pane = yield* tmux
      .newSession({
        name: session,
        cwd: worktree,
        argv: launch.argv,
        env: {
          ...launch.env,
          REKINDLE_BATCH: state.batchId,
          REKINDLE_TASK: task.id,
          REKINDLE_ATTEMPT: String(request.attempt),
          REKINDLE_DONE_FILE: marker
        },
        taskTag: ownershipTag(state.batchId, task.id),
        logFile: paths.log(task.id)
      })
      .pipe(
        Effect.mapError((e) =>
          fail(
            "E_TMUX_UNAVAILABLE",
            `cannot start session ${session}: ${e.message}`,
            e.reason === "DuplicateSession"
              ? "a session with that name appeared during the launch: run `rekindle plan`, then resume"
              : "check tmux with `rekindle doctor`"
          )
        )
      )
    const procInfo = yield* procs.snapshot.pipe(
      Effect.map((ps) => ps.find((p) => p.pid === pane.panePid)),
      Effect.option
    )
    const self = yield* procs.self.pipe(Effect.option)
    const now = yield* Clock.currentTimeMillis
    const startTime = procInfo._tag === "Some" ? procInfo.value?.startTime : undefined
    // A fresh start is a new conversation: an id the agent chose for an earlier one no longer applies.
    // A new agent process: a screen the previous one waited at is gone with it.
    const { conversationId: _previous, waiting: _gone, ...rest } = task
    const { waiting: _screen, ...kept } = task
    const next: Task = {
      ...(request.mode === "resume" ? kept : rest),
      status: "running",
      attempts: request.attempt,
      session,
      doneMarker: marker,
      startedAt: task.startedAt ?? now,
      ...(launch.conversationId === undefined ? {} : { conversationId: launch.conversationId }),
      ...(startTime === undefined || self._tag === "None"
        ? {}
        : { agentProcess: { pid: pane.panePid, startTime, host: self.value.host } }),
      history: [
        ...(task.history ?? []),
        ...(trusted?.changed === true
          ? [{ at: now, event: "trust", reason: `recorded ${trusted.key} = ${trusted.value} in ${trusted.file}` }]
          : trusted?.kept !== undefined
            ? [{ at: now, event: "trust", reason: keptTrust(trusted) }]
            : []),
        { at: now, event: `launch:${request.mode}`, reason: request.reason }
      ]
    }
    return { task: next, pane }
  },
  (effect) =>
    Effect.catchTag(effect, "AgentError", (e) =>
      Effect.fail(fail("E_AGENT", `cannot build the agent command: ${e.message}`, "check the agent kind table"))
    )
)
