/**
 * Real tmux: a launch whose caller dies part-way. The supervisor is SIGKILLed between two
 * instructions; whatever tmux was already told to do still happens, nothing after it does. A launch
 * must therefore leave either no session or the finished one (tagged, running the agent), never the
 * placeholder it starts from.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChildProcessSpawner } from "effect/process"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { Tmux } from "../../../core/ports/Tmux.ts"
import * as TmuxCli from "../../../adapters/tmux/TmuxCli.ts"
import { freshSocket, killServer, tmux } from "../../support/real/socket.ts"

/**
 * Node's spawner, except that the process "dies" after spawning its `nth` `tmux … new-session` invocation: it never
 * spawns again. With no server up, the first is the neutral session that starts the server, the second the launch.
 */
const dyingAfterNewSession = (nth: number): Layer.Layer<ChildProcessSpawner.ChildProcessSpawner> => {
  let created = 0
  return Layer.effect(
    ChildProcessSpawner.ChildProcessSpawner,
    Effect.gen(function* () {
      const real = yield* ChildProcessSpawner.ChildProcessSpawner
      return ChildProcessSpawner.make((cmd) =>
        Effect.suspend(() => {
          if (created >= nth) return Effect.never
          if (cmd._tag === "StandardCommand" && cmd.args.includes("new-session")) created++
          return real.spawn(cmd)
        })
      )
    })
  ).pipe(Layer.provide(NodeServices.layer))
}

describe("TmuxCli launch cut short by the caller's death (real tmux)", () => {
  const made: Array<{ readonly socket: string; readonly dir: string }> = []
  afterEach(() => {
    for (const m of made.splice(0)) {
      killServer(m.socket)
      fs.rmSync(m.dir, { recursive: true, force: true })
    }
  })

  // Found by the kill -9 loop (scripts/soak/KillLoop.ts). newSession ran two tmux invocations: the
  // session with a placeholder `cat -`, then tag + log pipe + respawn-pane. A supervisor killed
  // between them left an untagged `cat -` pane with the task's session name; resume matched it by
  // name, saw a live process, reconnected (status running, attempts 0) and waited on it forever.
  const launchDying = (socket: string, dir: string, nth: number) =>
    Effect.gen(function* () {
      const t = yield* Tmux
      return yield* t.newSession({
        name: "rk-b1-a",
        cwd: dir,
        argv: ["sleep", "600"],
        taskTag: "b1/a",
        logFile: nodePath.join(dir, "a.log")
      })
    }).pipe(Effect.provide(TmuxCli.layer({ socket })), Effect.provide(dyingAfterNewSession(nth)))

  const setUp = () => {
    const socket = freshSocket()
    const dir = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-launch-")))
    made.push({ socket, dir })
    return { socket, dir }
  }

  const panes = (socket: string) =>
    tmux(socket, "list-panes", "-a", "-F", "#{session_name} #{@rekindle_task} #{pane_current_command}")

  it("regression: killed right after tmux created the session: no placeholder pane is left, only the tagged agent", async () => {
    const { socket, dir } = setUp()
    // The dead process never returns; what matters is what tmux was left with.
    await Effect.runPromise(Effect.timeoutOption(launchDying(socket, dir, 2), Duration.seconds(5)))
    expect(panes(socket).stdout.trim().split("\n")).toEqual(["rk-b1-a b1/a sleep"])
  }, 30_000)

  // The neutral session that starts the server (no prompt in the server's process title) must not outlive a caller
  // killed before the launch: no task session exists, and the placeholder ends by itself, taking the server with it.
  it("regression: killed after starting the server: no task session, and the neutral session ends by itself", async () => {
    const { socket, dir } = setUp()
    await Effect.runPromise(Effect.timeoutOption(launchDying(socket, dir, 1), Duration.seconds(5)))
    const left = tmux(socket, "list-panes", "-a", "-F", "#{session_name} #{pane_current_command} #{remain-on-exit}")
    // Only the neutral session is left, running a program that ends on its own, and its pane is not kept once it
    // ends: the session, then the server (exit-empty), go away by themselves.
    expect(left.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^rekindle-start-\S+ sleep off$/)])
  }, 30_000)

  // Found by the kill -9 loop (seed 0xd8ab4e01): a resume SIGKILLed right after it started the server left the
  // neutral session; the next resume relaunched the task and completed the batch 9 s later, but the placeholder
  // was still there (it ends by itself only after 30 s). The next launch now removes a placeholder whose creator is
  // gone — and leaves alone one whose creator is alive (its own launch list is about to remove it) and any session
  // without the placeholder tag, whatever its name.
  it("regression: the next launch removes a placeholder whose creator died, never a live creator's or an untagged one", async () => {
    const { socket, dir } = setUp()
    const gone = spawnSync("true").pid!
    const start = (name: string, creator: number | undefined) => {
      expect(tmux(socket, "new-session", "-d", "-s", name, "--", "sleep", "60").status).toBe(0)
      if (creator !== undefined)
        expect(
          tmux(socket, "set-option", "-p", "-t", `=${name}:`, "@rekindle_placeholder", String(creator)).status
        ).toBe(0)
    }
    start(`rekindle-start-${gone}-dead01`, gone)
    start(`rekindle-start-${process.pid}-live01`, process.pid)
    start(`rekindle-start-${gone}-user01`, undefined)
    await Effect.runPromise(launchDying(socket, dir, 99))
    const names = tmux(socket, "list-sessions", "-F", "#{session_name}").stdout.trim().split("\n").sort()
    expect(names).toEqual([`rekindle-start-${gone}-user01`, `rekindle-start-${process.pid}-live01`, "rk-b1-a"].sort())
  }, 30_000)
})
