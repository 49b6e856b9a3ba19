/**
 * Fake agents for the FakeWorld: every program launched in a fake tmux pane is recorded (task,
 * attempt, pid) so tests can count runs and live agents per task, and behaves as its task's script
 * says — keep working until told, finish (commit + done marker + exit 0), fail, hang, or survive
 * SIGHUP like an agent that outlives its tmux server.
 */
import * as Effect from "effect/Effect"
import type { FakePane } from "../tmux/TmuxWorld.ts"
import type { FakeWorld } from "../testing.ts"

/**
 * How a fake agent behaves once launched: keep working until a test acts, finish at once, exit 1 at
 * once, survive SIGHUP, or finish / exit with a code once fake time has moved `afterMs` past its start.
 */
export type AgentScript =
  | "work"
  | "succeed"
  | "fail"
  | "ignore-hup"
  | { readonly afterMs: number; readonly then: "succeed" | "fail-marker" | { readonly exit: number } }

/** One recorded agent start. */
interface AgentLaunch {
  readonly taskId: string
  readonly attempt: number
  readonly pid: number
  readonly paneId: string
  readonly cwd: string
  readonly argv: ReadonlyArray<string>
  readonly doneFile: string | undefined
  readonly at: number
}

/** The fake agents of a world. */
export class FakeAgents {
  private readonly world: FakeWorld
  /** Every start, in order. */
  readonly launches: Array<AgentLaunch> = []
  /** Per-task script (default "work"). */
  readonly scripts = new Map<string, AgentScript>()

  constructor(world: FakeWorld) {
    this.world = world
  }

  /** Called by the tmux world for every launched program. */
  launched(pane: FakePane, argv: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>>): void {
    const taskId = env["REKINDLE_TASK"]
    if (taskId === undefined) return
    const launch: AgentLaunch = {
      taskId,
      attempt: Number(env["REKINDLE_ATTEMPT"] ?? 0),
      pid: pane.process.pid,
      paneId: pane.id,
      cwd,
      argv,
      doneFile: env["REKINDLE_DONE_FILE"],
      at: this.world.clock.now()
    }
    this.launches.push(launch)
    const script = this.scripts.get(taskId) ?? "work"
    if (script === "ignore-hup") pane.process.ignores.add("SIGHUP")
    if (script === "succeed") this.finish(taskId)
    if (script === "fail") this.world.exitPane(pane.id, 1)
  }

  /** Time moved: agents whose timed script is due act now (called by the world clock). */
  tick(): void {
    const now = this.world.clock.now()
    for (const l of this.launches) {
      const script = this.scripts.get(l.taskId)
      if (typeof script !== "object" || now < l.at + script.afterMs) continue
      const p = this.world.procs.get(l.pid)
      if (p === undefined || !p.alive || p.argv !== l.argv) continue
      if (script.then === "succeed") this.finish(l.taskId)
      else if (script.then === "fail-marker") this.finish(l.taskId, "failed")
      else this.world.exitPane(l.paneId, script.then.exit)
    }
  }

  /** Starts recorded for a task. */
  launchesOf(taskId: string): ReadonlyArray<AgentLaunch> {
    return this.launches.filter((l) => l.taskId === taskId)
  }

  /** Agents of `taskId` whose process is alive right now. */
  liveOf(taskId: string): ReadonlyArray<AgentLaunch> {
    return this.launchesOf(taskId).filter((l) => {
      const p = this.world.procs.get(l.pid)
      return p !== undefined && p.alive && p.argv === l.argv
    })
  }

  /** The latest live agent of `taskId`. */
  current(taskId: string): AgentLaunch | undefined {
    return this.liveOf(taskId).at(-1)
  }

  /**
   * The agent of `taskId` finishes: commits `<taskId>.txt` in its worktree, writes its done marker,
   * exits 0 — or, with `stay`, stays at its prompt as an interactive agent does. Does nothing when no agent of the task
   * is alive.
   */
  finish(taskId: string, status: "succeeded" | "failed" = "succeeded", stay = false): boolean {
    const agent = this.current(taskId)
    if (agent === undefined) return false
    if (status === "succeeded")
      this.world.git.commitInWorktree(agent.cwd, `${taskId}: done`, {
        [`${taskId}.txt`]: `${taskId} attempt ${agent.attempt}\n`
      })
    if (agent.doneFile !== undefined) {
      const fs = this.world.memory.fs
      const dir = agent.doneFile.slice(0, agent.doneFile.lastIndexOf("/"))
      Effect.runSync(Effect.ignore(fs.makeDirectory(dir, { recursive: true })))
      Effect.runSync(
        Effect.ignore(fs.writeFileString(agent.doneFile, JSON.stringify({ status, summary: `${taskId} ${status}` })))
      )
    }
    if (!stay) this.world.exitPane(agent.paneId, status === "succeeded" ? 0 : 1)
    return true
  }
}
