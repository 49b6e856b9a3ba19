/**
 * Harness for end-to-end tests on real tmux + git with the bundled fake agent: one temp repo and one
 * private tmux socket per test (both removed by `cleanup`), manifests of fake-agent tasks, a
 * supervisor child process (test/fixtures/e2e-supervisor.ts) that a test can SIGKILL, and readers
 * for what a batch leaves on disk (state, journal, supervised sink, agent start log, merged tree).
 * Programs run with argv arrays only.
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { ExecutorSettings } from "../../../core/engine/waves/WaveSettings.ts"
import { batchPaths, type BatchPaths } from "../../../core/domain/Layout.ts"
import { layer, type LiveServices } from "../../../adapters/node.ts"
import type { TmuxError } from "../../../core/ports/Tmux.ts"
import { sinkPath } from "../../../core/engine/support/Logs.ts"
import { pollUntil } from "./poll.ts"
import { git, GIT_ENV, isolateGitEnv, makeRepo } from "./repo.ts"
import { freshSocket, killServer, tmux } from "./socket.ts"

/** The live layer's git and the tmux server read this process's environment: keep it off the machine's config. */
isolateGitEnv()

const ROOT = nodePath.resolve(import.meta.dirname, "../../..")
/** The bundled fake agent. */
export const FAKE_AGENT = nodePath.join(ROOT, "adapters/agent/fake-agent.ts")
const SUPERVISOR = nodePath.join(ROOT, "test/fixtures/e2e-supervisor.ts")
const DELIVER = nodePath.join(ROOT, "test/fixtures/e2e-deliver.ts")

/** Fast executor polls for tests. */
export const fast = Effect.provideService(ExecutorSettings, { pollMs: 150, graceMs: 1_000 })

/** One task of a manifest (the manifest's own shape). */
export interface E2ETask {
  readonly id: string
  readonly agent: "shell"
  readonly prompt: string
  readonly command: ReadonlyArray<string>
  readonly dependsOn: ReadonlyArray<string>
  readonly lane?: string
}

/** One start of an agent, as the fake agent logs it. */
export interface AgentStart {
  readonly task: string
  readonly attempt: number
  readonly pid: number
}

/** A supervisor child process. */
export interface Supervisor {
  readonly child: ChildProcess
  /** Everything it printed on stdout so far. */
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves once stdout contains `text` (fails on exit or after `ms`). */
  readonly waitFor: (text: string, ms?: number) => Promise<void>
  /** SIGKILL it and wait until it is gone. */
  readonly kill9: () => Promise<void>
  readonly exited: Promise<number | null>
}

/** Journal line (events.jsonl) as written by the engine. */
export interface JournalLine {
  readonly key: string
  readonly phase: string
  readonly kind: string
  readonly data?: unknown
}

/** A temp repo on `main` (README.md "demo\n", identical in every E2E so blob ids compare), a socket, a batch. */
export class E2E {
  readonly batchId: string
  private readonly made = makeRepo({
    prefix: "rekindle-e2e-",
    readme: "demo\n",
    message: "init",
    excludeRekindle: false
  })
  readonly dir = this.made.base
  readonly repo = this.made.root
  readonly socket = freshSocket()
  readonly agentLog = nodePath.join(this.dir, "agents.jsonl")
  readonly manifestPath = nodePath.join(this.dir, "manifest.json")
  readonly runtime: ManagedRuntime.ManagedRuntime<LiveServices, TmuxError> = ManagedRuntime.make(
    layer({ socket: this.socket })
  )
  private readonly children: Array<ChildProcess> = []

  constructor(batchId = "e2e") {
    this.batchId = batchId
  }

  /** The batch's files. */
  get paths(): BatchPaths {
    return batchPaths(this.repo, this.batchId)
  }

  /** The batch reference for run/resume/loadState. */
  get ref(): { readonly repoRoot: string; readonly batchId: string } {
    return { repoRoot: this.repo, batchId: this.batchId }
  }

  /**
   * A fake-agent task. The start log travels in the argv (`env NAME=value node fake-agent.ts`, no
   * shell) so it does not depend on which process started the tmux server.
   */
  task(
    id: string,
    prompt: string,
    dependsOn: ReadonlyArray<string> = [],
    extra: { readonly lane?: string; readonly command?: ReadonlyArray<string> } = {}
  ): E2ETask {
    const command = extra.command ?? [process.execPath, FAKE_AGENT]
    return {
      id,
      agent: "shell",
      prompt,
      command: ["env", `REKINDLE_FAKE_AGENT_LOG=${this.agentLog}`, ...command],
      dependsOn,
      ...(extra.lane === undefined ? {} : { lane: extra.lane })
    }
  }

  /** Write the manifest (batch id fixed to this E2E's). */
  manifest(tasks: ReadonlyArray<E2ETask>, options: Record<string, unknown> = {}): string {
    fs.writeFileSync(
      this.manifestPath,
      JSON.stringify({ tasks, options: { batchId: this.batchId, ...options } }, null, 2)
    )
    return this.manifestPath
  }

  /** Run an engine effect in this process over the live layer on this socket, with fast polls. */
  run<A, E>(effect: Effect.Effect<A, E, LiveServices>): Promise<A> {
    return this.runtime.runPromise(effect.pipe(fast))
  }

  /** Every agent start so far. */
  runs(): ReadonlyArray<AgentStart> {
    return readJsonLines(this.agentLog) as ReadonlyArray<AgentStart>
  }

  /** Task ids of every agent start, sorted. */
  ranTasks(): ReadonlyArray<string> {
    return this.runs()
      .map((r) => r.task)
      .sort()
  }

  /** The persisted state as plain JSON (undefined before it exists or while torn). */
  state(): StateJson | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.paths.state, "utf8")) as StateJson
    } catch {
      return undefined
    }
  }

  /** Status of task `id` in the persisted state. */
  status(id: string): string | undefined {
    return this.state()?.tasks.find((t) => t.id === id)?.status
  }

  /** One task of the persisted state. */
  taskState(id: string): StateJson["tasks"][number] {
    const t = this.state()?.tasks.find((x) => x.id === id)
    if (t === undefined) throw new Error(`no task ${id} in the state`)
    return t
  }

  /** The journal (a torn last line is skipped). */
  journal(): ReadonlyArray<JournalLine> {
    return readJsonLines(this.paths.journal) as ReadonlyArray<JournalLine>
  }

  /** `git ls-tree -r <rev>` lines (mode, type, blob id, name): names and contents. */
  tree(rev = "main"): ReadonlyArray<string> {
    return git(this.repo, "ls-tree", "-r", rev)
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .sort()
  }

  /** Paths of the registered git worktrees (the main checkout included). */
  worktrees(): ReadonlyArray<string> {
    return git(this.repo, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree "))
      .map((l) => l.slice(9))
  }

  /** File names on `rev`. */
  names(rev = "main"): ReadonlyArray<string> {
    return git(this.repo, "ls-tree", "-r", "--name-only", rev)
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .sort()
  }

  /** Start the supervisor fixture (run the manifest; optionally hang at the n-th crash point `label`). */
  supervisor(args: { readonly hangAt?: string; readonly occurrence?: number } = {}): Supervisor {
    return this.node([
      SUPERVISOR,
      this.repo,
      this.manifestPath,
      this.socket,
      ...(args.hangAt === undefined ? [] : [args.hangAt, String(args.occurrence ?? 1)])
    ])
  }

  /**
   * Start `node <argv…>` in the project (git isolated from the machine's config) as a watched child
   * that `cleanup` kills if it still runs: a supervisor fixture, or the real CLI (`cli/main.ts`).
   */
  node(argv: ReadonlyArray<string>): Supervisor {
    const child = spawn(process.execPath, [...argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...GIT_ENV }
    })
    this.children.push(child)
    let out = ""
    let err = ""
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
    // "close", not only "exit": every byte the child wrote (up to a SIGKILL) has been read by then; a
    // grandchild holding the pipe open cannot delay it by more than 2 s.
    const exited = new Promise<number | null>((ok) => {
      child.once("close", (code) => ok(code))
      child.once("exit", (code) => setTimeout(() => ok(code), 2_000).unref())
    })
    let gone = false
    void exited.then(() => (gone = true))
    return {
      child,
      exited,
      stdout: () => out,
      stderr: () => err,
      waitFor: (text, ms = 30_000) =>
        pollUntil(
          `supervisor output "${text}"`,
          () => {
            if (out.includes(text)) return true
            if (gone) throw new Error(`supervisor exited before printing "${text}": ${out} ${err}`)
            return undefined
          },
          ms
        ).then(() => undefined),
      kill9: async () => {
        if (!gone) child.kill("SIGKILL")
        await exited
      }
    }
  }

  /**
   * Deliver `text` to `taskId`'s pane from a separate process (test/fixtures/e2e-deliver.ts) that
   * SIGKILLs itself at crash point `crashAt`; resolves when it is gone.
   */
  async deliver(
    taskId: string,
    key: string,
    text: string,
    crashAt: string
  ): Promise<{ readonly signal: string | null; readonly stdout: string; readonly stderr: string }> {
    const child = spawn(process.execPath, [DELIVER, this.repo, this.batchId, this.socket, taskId, key, text, crashAt], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...GIT_ENV }
    })
    this.children.push(child)
    let out = ""
    let err = ""
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
    const signal = await new Promise<string | null>((ok) => child.once("exit", (_code, sig) => ok(sig)))
    return { signal, stdout: out, stderr: err }
  }

  /** The whole history of `taskId`'s pane (`capture-pane -p -J -S -`), one entry per line. */
  paneHistory(taskId: string): ReadonlyArray<string> {
    const r = tmux(this.socket, "capture-pane", "-p", "-J", "-S", "-", "-t", `=${this.taskState(taskId).session}:`)
    if (r.status !== 0) throw new Error(`cannot capture the pane of ${taskId}`)
    return r.stdout.split("\n")
  }

  /** Every line the supervisor recorded for `taskId` in the supervised sink, in sink order. */
  sinkLines(taskId: string): ReadonlyArray<string> {
    return (
      readJsonLines(sinkPath(this.paths)) as ReadonlyArray<{
        kind?: string
        data?: { task?: string; lines?: ReadonlyArray<string> }
      }>
    )
      .filter((l) => l.kind === "log" && l.data?.task === taskId)
      .flatMap((l) => l.data?.lines ?? [])
  }

  /** The sink's end offset for `taskId` (the `to` of its latest chunk), or 0. */
  sinkEnd(taskId: string): number {
    const chunks = (
      readJsonLines(sinkPath(this.paths)) as ReadonlyArray<{ kind?: string; data?: { task?: string; to?: number } }>
    ).filter((l) => l.kind === "log" && l.data?.task === taskId)
    return chunks.at(-1)?.data?.to ?? 0
  }

  /** The complete lines of `taskId`'s pane log (what tmux piped from the pane), CR stripped. */
  logLines(taskId: string): ReadonlyArray<string> {
    const text = fs.readFileSync(this.paths.log(taskId), "utf8")
    return text
      .slice(0, text.lastIndexOf("\n") + 1)
      .split("\n")
      .slice(0, -1)
      .map((l) => l.replace(/\r$/, ""))
  }

  /** Kill children (by pid), the private tmux server and the temp dir (kept with `keepDir`, for a post-mortem). */
  async cleanup(options: { readonly keepDir?: boolean } = {}): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
    await this.runtime.dispose()
    killServer(this.socket)
    if (options.keepDir !== true) fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

/** The parts of state.json the tests read. */
export interface StateJson {
  readonly phase: string
  readonly baseBranch: string
  readonly tasks: ReadonlyArray<{
    readonly id: string
    readonly status: string
    readonly worktree?: string
    readonly branch?: string
    readonly session?: string
    readonly exitStatus?: number
    readonly exitReason?: string
    readonly attempts: number
    readonly startedAt?: number
    readonly endedAt?: number
    readonly agentProcess?: { readonly pid: number }
  }>
  readonly merges: ReadonlyArray<{
    readonly wave: number
    readonly lane: string
    readonly status: string
    readonly reason?: string
    readonly commit?: string
  }>
  readonly prompts: ReadonlyArray<{ readonly key: string; readonly status: string }>
  readonly logCheckpoints: Record<string, { readonly offset: number }>
}

/** Merge intents of the journal that have no done line yet (a merge in flight). */
export const openMerges = (journal: ReadonlyArray<JournalLine>): ReadonlyArray<JournalLine> => {
  const done = new Set(journal.filter((l) => l.phase === "done").map((l) => l.key))
  return journal.filter((l) => l.kind === "merge" && l.phase === "intent" && !done.has(l.key))
}

/** Parse a JSON-lines file; missing file: empty; a torn last line is skipped. */
export const readJsonLines = (path: string): ReadonlyArray<unknown> => {
  if (!fs.existsSync(path)) return []
  const out: Array<unknown> = []
  for (const line of fs.readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue
    try {
      out.push(JSON.parse(line))
    } catch {
      // torn tail
    }
  }
  return out
}

/** Make an E2E per test and clean every one up afterwards (call from a describe body). */
export const e2eHooks = (afterEach: (fn: () => Promise<void>) => void): ((batchId?: string) => E2E) => {
  const made: Array<E2E> = []
  afterEach(async () => {
    for (const e of made.splice(0)) await e.cleanup()
  })
  return (batchId) => {
    const e = new E2E(batchId)
    made.push(e)
    return e
  }
}
