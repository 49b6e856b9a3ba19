/**
 * The real-machine harness for engine tests: a RealWorld is a temp git repo, a private tmux socket and the live layer
 * (adapters/node.ts) on that socket, plus a child-process supervisor started from the
 * engine-start fixture. `cleanup` kills the private server, the fixture (by pid) and the temp dir.
 */
import type * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { spawn, type ChildProcess } from "node:child_process"
import * as nodePath from "node:path"
import { layer, type LiveServices } from "../../../adapters/node.ts"
import type { TmuxError } from "../../../core/ports/Tmux.ts"
import { GIT_ENV, isolateGitEnv, makeRepo, type RealRepo } from "./repo.ts"
import { freshSocket, killServer } from "./socket.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../../..")
const NODE = nodePath.join(ROOT, "node_modules/.bin/node")

/** Per-test budget of the real tests: generous, for a loaded 2-core machine (they poll with deadlines). */
export const REAL_TIMEOUT_MS = 90_000

/** The live layer's git reads this process's environment: keep it off the machine's config. */
isolateGitEnv()

/** One real world per test. */
export class RealWorld {
  readonly repo: RealRepo = makeRepo()
  readonly socket = freshSocket()
  readonly batchId = "b1"
  readonly runtime: ManagedRuntime.ManagedRuntime<LiveServices, TmuxError> = ManagedRuntime.make(
    layer({ socket: this.socket })
  )
  private readonly children: Array<ChildProcess> = []

  get root(): string {
    return this.repo.root
  }

  get ref(): { readonly repoRoot: string; readonly batchId: string } {
    return { repoRoot: this.root, batchId: this.batchId }
  }

  /** Run an engine effect over the live layer. */
  run<A, E>(effect: Effect.Effect<A, E, LiveServices>): Promise<A> {
    return this.runtime.runPromise(effect)
  }

  /** Run and return the Exit. */
  runExit<A, E>(effect: Effect.Effect<A, E, LiveServices>) {
    return this.runtime.runPromiseExit(effect)
  }

  /** Start test/fixtures/engine-start.ts for `taskIds`; resolves once it printed "ready". */
  async startSupervisor(
    taskIds: ReadonlyArray<string>
  ): Promise<{ readonly pid: number; readonly exited: Promise<void> }> {
    const child = spawn(
      NODE,
      [nodePath.join(ROOT, "test/fixtures/engine-start.ts"), this.root, this.batchId, this.socket, ...taskIds],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...GIT_ENV }
      }
    )
    this.children.push(child)
    let stderr = ""
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<void>((ok) => child.once("exit", () => ok()))
    await new Promise<void>((ok, ko) => {
      let out = ""
      const timer = setTimeout(() => ko(new Error(`supervisor fixture not ready after 60 s: ${stderr}`)), 60_000)
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString()
        if (out.includes("ready\n")) {
          clearTimeout(timer)
          ok()
        }
      })
      child.once("exit", (code) => {
        clearTimeout(timer)
        ko(new Error(`supervisor fixture exited ${code} before ready: ${stderr}`))
      })
    })
    return { pid: child.pid!, exited }
  }

  /** Everything the test started: the fixture (by pid), the private tmux server, the temp dir. */
  async cleanup(): Promise<void> {
    for (const c of this.children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
    await this.runtime.dispose()
    killServer(this.socket)
    this.repo.cleanup()
  }
}
