import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { FakeClock, ProcWorld } from "../../../adapters/testing/World.ts"
import * as ProcessTableFake from "../../../adapters/processtable/ProcessTableFake.ts"
import * as TmuxFake from "../../../adapters/tmux/TmuxFake.ts"
import { TmuxWorld } from "../../../adapters/tmux/TmuxWorld.ts"
import type { TmuxStatus } from "../../../core/domain/Signals.ts"

const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)

const setup = () => {
  const procs = new ProcWorld(new FakeClock())
  const piped: Array<[string, string]> = []
  const world = new TmuxWorld(procs, { pipeSink: (file, text) => piped.push([file, text]) })
  const tmux = TmuxFake.make(world, "s")
  const launch = (name: string, extra: { logFile?: string } = {}) =>
    run(tmux.newSession({ name, cwd: "/repo", argv: ["agent", "--go"], taskTag: `b/${name}`, ...extra }))
  return { procs, world, tmux, piped, launch }
}

const deadOf = (s: TmuxStatus, paneId: string) =>
  s.state === "up" ? s.panes.find((p) => p.paneId === paneId) : undefined

describe("TmuxWorld (the FakeWorld's tmux)", () => {
  it("a pane's program is a process under the server, seen by the fake process table", async () => {
    const { procs, world, launch } = setup()
    const p = await launch("t1")
    const server = world.server("s")!
    expect(procs.get(p.panePid)).toMatchObject({
      ppid: server.process.pid,
      argv: ["agent", "--go"],
      cwd: "/repo",
      alive: true
    })
    const table = ProcessTableFake.make(procs, () => 1)
    expect((await run(table.descendants(server.process.pid))).map((x) => x.pid)).toContain(p.panePid)
  })

  it("a program killed through the process table shows as a dead pane with its signal, no exit status", async () => {
    const { procs, tmux, launch } = setup()
    const p = await launch("t1")
    const table = ProcessTableFake.make(procs, () => 1)
    const info = (await run(table.snapshot)).find((x) => x.pid === p.panePid)!
    await run(table.signal(info, "SIGTERM"))
    expect(deadOf(await run(tmux.snapshot), p.paneId)).toMatchObject({ dead: true, deadSignal: 15, taskTag: "b/t1" })
  })

  it("a missed exit: dead without status on one snapshot, with it on the next", async () => {
    const { world, tmux, launch } = setup()
    const p = await launch("t1")
    world.delayExitStatus(p.paneId)
    world.exitPane(p.paneId, 4)
    const first = deadOf(await run(tmux.snapshot), p.paneId)
    expect(first).toMatchObject({ dead: true })
    expect(first).not.toHaveProperty("deadStatus")
    expect(deadOf(await run(tmux.snapshot), p.paneId)).toMatchObject({ dead: true, deadStatus: 4 })
  })

  it("without remain-on-exit a dead pane disappears, and an emptied server exits", async () => {
    const { procs, world, tmux, launch } = setup()
    const p = await launch("t1")
    const serverPid = world.server("s")!.process.pid
    world.setRemainOnExit(p.paneId, false)
    world.exitPane(p.paneId, 0)
    expect(await run(tmux.snapshot)).toEqual({ state: "no-server" })
    expect(procs.get(serverPid)?.alive).toBe(false)
  })

  it("a dead server hangs up its panes; a program ignoring SIGHUP outlives it", async () => {
    const { procs, world, tmux, launch } = setup()
    const a = await launch("a")
    const b = await launch("b")
    procs.get(b.panePid)!.ignores.add("SIGHUP")
    procs.kill(world.server("s")!.process.pid, "SIGKILL")
    expect(await run(tmux.snapshot)).toEqual({ state: "no-server" })
    expect(procs.get(a.panePid)?.alive).toBe(false)
    expect(procs.get(b.panePid)?.alive).toBe(true)
  })

  it("unreachable is a switch: unknown while on, the same panes once off", async () => {
    const { world, tmux, launch } = setup()
    const p = await launch("t1")
    world.makeServerUnreachable("s", true)
    expect((await run(tmux.snapshot)).state).toBe("unknown")
    expect((await run(Effect.flip(tmux.sendText({ paneId: p.paneId }, "x")))).reason).toBe("Unreachable")
    world.makeServerUnreachable("s", false)
    expect(deadOf(await run(tmux.snapshot), p.paneId)).toMatchObject({ dead: false })
  })

  it("output reaches the screen and, once piped, the sink; typed input is echoed and recorded", async () => {
    const { world, tmux, piped, launch } = setup()
    const p = await launch("t1")
    world.write(p.paneId, "before pipe\r\n")
    expect(await run(tmux.ensurePipe({ paneId: p.paneId }, "/logs/t1.log"))).toBe(true)
    world.write(p.paneId, "after pipe\r\n")
    await run(tmux.sendText({ paneId: p.paneId }, "half", { submit: false }))
    expect(world.pane(p.paneId)).toMatchObject({ input: "half", submitted: [] })
    await run(tmux.sendKeys({ paneId: p.paneId }, ["Enter"]))
    expect(world.pane(p.paneId)).toMatchObject({ input: "", submitted: ["half"] })
    expect(piped.map(([, t]) => t).join("")).toBe("after pipe\r\nhalf\r\n")
    expect(await run(tmux.capture({ paneId: p.paneId }, 5))).toEqual(["before pipe", "after pipe", "half"])
  })

  it("onLaunch sees every launch (argv, cwd, env) and can attach behaviour to the pane", async () => {
    const { world, tmux } = setup()
    const seen: Array<unknown> = []
    world.onLaunch = (pane, argv, cwd, env) => {
      seen.push({ argv, cwd, env })
      pane.onSubmit = (line) => world.write(pane.id, `agent got: ${line}\r\n`)
    }
    const p = await run(tmux.newSession({ name: "t", cwd: "/w", argv: ["claude"], env: { K: "v" } }))
    await run(tmux.sendText({ session: "t" }, "do it"))
    expect(seen).toEqual([{ argv: ["claude"], cwd: "/w", env: { K: "v" } }])
    expect(await run(tmux.capture({ paneId: p.paneId }, 1))).toEqual(["agent got: do it"])
  })

  it("servers are per socket: the default server and a named one never see each other", async () => {
    const { world } = setup()
    const def = TmuxFake.make(world)
    const named = TmuxFake.make(world, "other")
    await run(def.newSession({ name: "same", cwd: "/", argv: ["x", "y"] }))
    await run(named.newSession({ name: "same", cwd: "/", argv: ["x", "y"] }))
    expect(world.sessions().map((s) => s.name)).toEqual(["same"])
    expect(world.sessions("other").map((s) => s.name)).toEqual(["same"])
    expect(def.attachCommand({ name: "same" }, { insideTmux: false })).toEqual([
      "tmux",
      "-u",
      "attach-session",
      "-t",
      "=same"
    ])
  })
})
