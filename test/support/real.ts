/**
 * Harness for engine tests on the real machine: a temp git repo (identity and config independent of
 * the machine), a private tmux socket killed in teardown, a spawn-counting ChildProcessSpawner, the
 * live adapters composed over it, a shell-agent batch state with real paths, and a deadline poller.
 * Every helper runs programs with argv arrays only.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChildProcessSpawner } from "effect/process"
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { sessionNameFor, worktreeFor, type BatchState, type Task } from "../../core/domain/index.ts"
import { launchTask } from "../../core/engine/waves/Launch.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import * as AgentLauncherFs from "../../adapters/agent/AgentLauncherFs.ts"
import * as WorktreesGit from "../../adapters/git/WorktreesGit.ts"
import * as NotifierExec from "../../adapters/notify/NotifierExec.ts"
import * as LogTailFs from "../../adapters/logs/LogTailFs.ts"
import type { LiveServices } from "../../adapters/node.ts"
import * as ProcessTableLinux from "../../adapters/processtable/ProcessTableLinux.ts"
import * as StoreLayers from "../../adapters/store/StoreLayers.ts"
import * as TmuxCli from "../../adapters/tmux/TmuxCli.ts"
import type { TmuxError } from "../../core/ports/Tmux.ts"

/** Environment that makes git independent of the machine's config and locale. */
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "rekindle test",
  GIT_AUTHOR_EMAIL: "test@rekindle.invalid",
  GIT_COMMITTER_NAME: "rekindle test",
  GIT_COMMITTER_EMAIL: "test@rekindle.invalid",
  LC_ALL: "C"
}

/**
 * The live layer (adapters/node.ts) reads git's config from the environment of this process: make
 * this test process (a vitest worker of its own) independent of the machine's git config.
 */
export const isolateGitEnv = (): void => {
  for (const [k, v] of Object.entries(GIT_ENV)) process.env[k] = v
}

/** Run git in `dir` (argv only); stdout. */
export const git = (dir: string, ...args: ReadonlyArray<string>): string =>
  execFileSync("git", ["-C", dir, ...args], {
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"]
  })

/** A fresh private tmux socket name. */
export const freshSocket = (): string => `rekindle-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`

/** Run tmux on `socket` (argv only); exit status and stdout, never throws. */
export const tmux = (
  socket: string,
  ...args: ReadonlyArray<string>
): { readonly status: number; readonly stdout: string } => {
  const r = spawnSync("tmux", ["-u", "-L", socket, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 10_000
  })
  return { status: r.status ?? -1, stdout: r.stdout ?? "" }
}

const socketFile = (socket: string) =>
  nodePath.join(process.env["TMUX_TMPDIR"] ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket)

/** Kill the private server on `socket` (and its socket file). Never the default server. */
export const killServer = (socket: string): void => {
  tmux(socket, "kill-server")
  fs.rmSync(socketFile(socket), { force: true })
}

/** Sorted `name pane-id` lines of every pane on `socket` (empty when no server runs). */
export const paneList = (socket: string): ReadonlyArray<string> => {
  const r = tmux(socket, "list-panes", "-a", "-F", "#{session_name} #{pane_id}")
  return r.status === 0
    ? r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .sort()
    : []
}

/** Session names on `socket`, sorted. */
export const sessionNames = (socket: string): ReadonlyArray<string> => {
  const r = tmux(socket, "list-sessions", "-F", "#{session_name}")
  return r.status === 0
    ? r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .sort()
    : []
}

/** A temp directory holding a git repo at `root` (both real paths: git reports real paths). */
export interface RealRepo {
  readonly base: string
  readonly root: string
  readonly cleanup: () => void
}

/** A repo on branch main with one commit; `.rekindle/` excluded as rekindle does. */
export const makeRepo = (): RealRepo => {
  const base = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-engine-")))
  const root = nodePath.join(base, "repo")
  fs.mkdirSync(root)
  git(root, "init", "-q", "-b", "main")
  fs.writeFileSync(nodePath.join(root, "README.md"), "hello\n")
  git(root, "add", "-A")
  git(root, "commit", "-q", "-m", "initial")
  fs.appendFileSync(nodePath.join(root, ".git", "info", "exclude"), ".rekindle/\n")
  return { base, root, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) }
}

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

/** Poll `check` until it returns a value other than undefined, or fail after `ms`. */
export const pollUntil = async <A>(
  label: string,
  check: () => A | undefined | Promise<A | undefined>,
  ms = 20_000
): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Whether a process with `pid` exists (not a zombie). */
export const pidAlive = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

/** The start time (clock ticks since boot, field 22 of /proc/<pid>/stat) of `pid`, or undefined. */
export const startTicks = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    return undefined
  }
}

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
