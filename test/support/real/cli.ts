/**
 * The real-machine harness for CLI end-to-end tests: a temp git repo (machine-independent git config),
 * a private tmux socket, a batch started through the library on the live layer (state persisted,
 * wave 1's worktrees created and `sleep` agents launched, no supervisor: a crashed batch), the CLI
 * run as a separate process (argv only), and a teardown that kills the private server and removes
 * the temp dir.
 */
import * as Effect from "effect/Effect"
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { BatchState } from "../../../core/domain/State.ts"
import { launchTask } from "../../../core/engine/waves/Launch.ts"
import { prepare } from "../../../core/engine/usecases/Run.ts"
import { loadState, saveState } from "../../../core/engine/support/StateIO.ts"
import { Worktrees } from "../../../core/ports/Worktrees.ts"
import * as Node from "../../../adapters/node.ts"
import { isolateGitEnv, makeRepo } from "./repo.ts"
import { freshSocket, killServer } from "./socket.ts"

/** The project root (where `npx rekindle` resolves the bin). */
export const PROJECT = nodePath.resolve(import.meta.dirname, "../../..")
/** The bin entry. */
export const MAIN = nodePath.join(PROJECT, "cli/main.ts")

// The CLI processes inherit this environment: git without the machine's config, with an identity.
isolateGitEnv()

/** Run a program (argv only); status and output. */
export const sh = (
  command: string,
  args: ReadonlyArray<string>,
  cwd = PROJECT,
  env: Readonly<Record<string, string>> = {}
) => {
  const r = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 })
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
}

/** `rekindle …` as its own process (node cli/main.ts), or through `npx rekindle` in the project. */
export const rekindle = (
  args: ReadonlyArray<string>,
  via: "node" | "npx" = "node",
  env: Readonly<Record<string, string>> = {}
) =>
  via === "npx"
    ? sh("npx", ["--no-install", "rekindle", ...args], PROJECT, env)
    : sh(process.execPath, [MAIN, ...args], PROJECT, env)

/** How one CLI process ended. */
export interface CliResult {
  readonly args: ReadonlyArray<string>
  /** Exit status (null when killed by a signal). */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
  /** It outlived its deadline and was SIGKILLed. */
  readonly timedOut: boolean
}

/** A CLI process that was started and whose end can be awaited. */
export interface Started {
  readonly child: ChildProcess
  readonly done: Promise<CliResult>
}

/** Start `rekindle <args>` (node cli/main.ts) now, asynchronously (argv only); SIGKILL it after `timeoutMs`. */
export const startCli = (args: ReadonlyArray<string>, timeoutMs: number, cwd = PROJECT): Started => {
  const t0 = Date.now()
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  let timedOut = false
  child.stdout!.on("data", (d: Buffer) => void (stdout += d.toString()))
  child.stderr!.on("data", (d: Buffer) => void (stderr += d.toString()))
  const timer = setTimeout(() => {
    timedOut = true
    child.kill("SIGKILL")
  }, timeoutMs)
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ args, code, signal, stdout, stderr, ms: Date.now() - t0, timedOut })
    })
  })
  return { child, done }
}

/** Run `rekindle <args>` to its end (or its deadline). */
export const runCli = (args: ReadonlyArray<string>, timeoutMs = 60_000, cwd = PROJECT): Promise<CliResult> =>
  startCli(args, timeoutMs, cwd).done

/** `rekindle …` asynchronously (for concurrent starts): exit code (-1 when killed), output. */
export const rekindleAsync = (args: ReadonlyArray<string>) =>
  runCli(args, 120_000).then((r) => ({ code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr }))

/** A crashed batch on the real machine. */
export interface RealBatch {
  readonly dir: string
  readonly repo: string
  readonly socket: string
  readonly batchId: string
  readonly state: () => Promise<BatchState>
  readonly cleanup: () => void
}

/**
 * Tasks `ids` (shell agents running `sleep 600`), waves by `dependsOn`; wave 1 launched through the
 * engine's launch path, then nobody supervises it.
 */
export const crashedBatch = async (
  tasks: ReadonlyArray<{ readonly id: string; readonly dependsOn?: ReadonlyArray<string> }>
): Promise<RealBatch> => {
  const { base: dir, root: repo } = makeRepo({
    prefix: "rekindle-cli-e2e-",
    readme: "e2e\n",
    message: "init",
    excludeRekindle: false
  })
  const socket = freshSocket()
  const cleanup = () => {
    // A background supervisor a test started must be gone first: one that outlives the repo would
    // save its state again and recreate <repo>/.rekindle after the directory is removed.
    stopProcessesNaming(repo)
    killServer(socket)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const manifestPath = nodePath.join(dir, "manifest.json")
  fs.writeFileSync(
    manifestPath,
    JSON.stringify({
      tasks: tasks.map((t) => ({
        id: t.id,
        agent: "shell",
        prompt: `do ${t.id}`,
        command: ["sleep", "600"],
        dependsOn: t.dependsOn ?? []
      })),
      options: { batchId: "e2e", tmuxSocket: socket }
    })
  )
  const layer = Node.layer({ socket })
  await Effect.runPromise(
    Effect.gen(function* () {
      let state = yield* prepare({ repoRoot: repo, manifestPath })
      const git = yield* Worktrees
      for (const id of state.waves[0] ?? []) {
        const task = state.tasks.find((t) => t.id === id)!
        yield* git.add(repo, { path: task.worktree!, branch: task.branch!, base: state.baseBranch })
        const { task: launched } = yield* launchTask(state, task, { mode: "first", attempt: 1, reason: "wave 1" })
        state = yield* saveState(
          { ...state, phase: "executing", tasks: state.tasks.map((t) => (t.id === id ? launched : t)) },
          Date.now()
        )
      }
    }).pipe(Effect.provide(layer))
  ).catch((e) => {
    cleanup()
    throw e
  })
  const state = () => Effect.runPromise(loadState({ repoRoot: repo, batchId: "e2e" }).pipe(Effect.provide(layer)))
  return { dir, repo, socket, batchId: "e2e", state, cleanup }
}

/**
 * SIGKILL the processes whose argv names `path` (a unique temp path: only processes a test started
 * for it) and wait up to 2 s until they are gone.
 */
const stopProcessesNaming = (path: string): void => {
  const naming = () =>
    fs
      .readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
      .filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(path)
        } catch {
          return false
        }
      })
  for (const pid of naming()) {
    try {
      process.kill(Number(pid), "SIGKILL")
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 2_000
  while (naming().length > 0 && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
}
