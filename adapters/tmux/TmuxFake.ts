/**
 * Fake Tmux over the FakeWorld's {@link TmuxWorld}: one instance per socket, refusing exactly what
 * the real adapter refuses (same argument rules, same exact targeting, same error reasons).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Tmux, TmuxError, type NewSessionSpec, type PaneTarget, type SessionTarget } from "../../core/ports/Tmux.ts"
import type { TmuxPane, TmuxStatus } from "../../core/domain/Signals.ts"
import * as Args from "./TmuxArgs.ts"
import { lastLines } from "./TmuxFormat.ts"
import { DEFAULT_SOCKET, type FakePane, type FakeServer, type FakeSession, type TmuxWorld } from "./TmuxWorld.ts"

const fail = (reason: TmuxError["reason"], message: string) => Effect.fail(new TmuxError({ reason, message }))

/** Run `f` unless an argument problem was found (arguments are checked before any target). */
const check = <A>(problem: string | undefined, f: () => Effect.Effect<A, TmuxError>): Effect.Effect<A, TmuxError> =>
  problem === undefined ? Effect.suspend(f) : fail("InvalidArgument", problem)

const row = (s: FakeSession, p: FakePane): TmuxPane => ({
  sessionId: s.id,
  sessionName: s.name,
  paneId: p.id,
  panePid: p.process.pid,
  dead: !p.process.alive,
  ...(!p.process.alive && p.process.exitCode !== undefined ? { deadStatus: p.process.exitCode } : {}),
  ...(!p.process.alive && p.process.signal !== undefined ? { deadSignal: p.process.signal } : {}),
  currentCommand: (p.process.argv[0] ?? "").split("/").pop() ?? "",
  ...(p.taskTag === undefined ? {} : { taskTag: p.taskTag }),
  piped: p.pipe !== undefined
})

/** Build the fake for `socket` (undefined: the default server). */
export const make = (world: TmuxWorld, socket?: string): Tmux["Service"] => {
  const key = socket ?? DEFAULT_SOCKET

  /** The running, reachable server, or the failure a real tmux client would report. */
  const server: Effect.Effect<FakeServer, TmuxError> = Effect.suspend(() => {
    if (world.isUnreachable(key)) return fail("Unreachable", `error connecting to ${key} (fake: unreachable)`)
    const s = world.server(key)
    return s === undefined ? fail("NoServer", `no server running on ${key}`) : Effect.succeed(s)
  })

  const findSession = (target: SessionTarget) =>
    Effect.gen(function* () {
      const t = Args.sessionTargetArg(target)
      if ("problem" in t) return yield* fail("InvalidArgument", t.problem)
      const s = (yield* server).sessions.find((x) =>
        "name" in target ? x.name === target.name : x.id === target.sessionId
      )
      return s ?? (yield* fail("NotFound", `can't find session: ${t.arg}`))
    })

  const findPane = (target: PaneTarget) =>
    Effect.gen(function* () {
      const t = Args.paneTargetArg(target)
      if ("problem" in t) return yield* fail("InvalidArgument", t.problem)
      const srv = yield* server
      const p =
        "paneId" in target
          ? srv.sessions.flatMap((s) => s.panes).find((x) => x.id === target.paneId)
          : srv.sessions.find((s) => s.name === target.session)?.panes[0]
      return p ?? (yield* fail("NotFound", `can't find pane: ${t.arg}`))
    })

  const snapshot: Effect.Effect<TmuxStatus> = Effect.sync((): TmuxStatus => {
    if (world.isUnreachable(key)) return { state: "unknown", reason: `error connecting to ${key} (fake: unreachable)` }
    const s = world.server(key)
    if (s === undefined) return { state: "no-server" }
    const panes = s.sessions.flatMap((x) =>
      x.panes.map((p) => {
        const r = row(x, p)
        if (!r.dead || !p.statusPending) return r
        p.statusPending = false // reaped after this look, as the real adapter's nudge does
        const { deadStatus: _, deadSignal: __, ...pending } = r
        return pending
      })
    )
    return { state: "up", panes }
  })

  const newSession = (spec: NewSessionSpec) =>
    Effect.gen(function* () {
      const problem = Args.newSessionProblem(spec)
      if (problem !== undefined) return yield* fail("InvalidArgument", problem)
      if (!world.isDirectory(spec.cwd))
        return yield* fail("InvalidArgument", `working directory does not exist: ${spec.cwd}`)
      if (world.isUnreachable(key)) return yield* fail("Unreachable", `error connecting to ${key} (fake: unreachable)`)
      const pane = world.launch(key, {
        name: spec.name,
        cwd: spec.cwd,
        argv: spec.argv,
        env: spec.env ?? {},
        taskTag: spec.taskTag,
        logFile: spec.logFile
      })
      if (pane === "duplicate") return yield* fail("DuplicateSession", `duplicate session: ${spec.name}`)
      return { sessionId: pane.session.id, paneId: pane.id, panePid: pane.process.pid }
    })

  return Tmux.of({
    snapshot,
    newSession,
    killSession: (target) => Effect.map(findSession(target), (s) => world.killSession(s)),
    killPane: (target) => Effect.map(findPane(target), (p) => world.killPane(p)),
    sendText: (target, text, options) =>
      Effect.map(findPane(target), (p) => {
        world.type(p.id, text)
        if (options?.submit !== false) world.press(p.id, ["Enter"])
      }),
    sendKeys: (target, keys) =>
      check(
        keys.map(Args.keyNameProblem).find((x) => x !== undefined),
        () => Effect.map(findPane(target), (p) => world.press(p.id, keys))
      ),
    capture: (target, lines) =>
      check(
        Number.isInteger(lines) && lines >= 0 ? undefined : `line count must be a non-negative integer: ${lines}`,
        () => Effect.map(findPane(target), (p) => lastLines(p.screen.join("\n"), lines))
      ),
    ensurePipe: (target, file) =>
      check(Args.absolutePathProblem(file), () =>
        Effect.map(findPane(target), (p) => {
          if (p.pipe !== undefined) return false
          p.pipe = file
          return true
        })
      ),
    setStatus: (target, text) =>
      Effect.map(findSession(target), (s) => {
        s.status = text
      }),
    attachCommand: (session, o) => Args.attachArgv(socket, session, o.insideTmux)
  })
}

/** Layer form of {@link make}. */
export const layer = (world: TmuxWorld, socket?: string): Layer.Layer<Tmux> => Layer.succeed(Tmux, make(world, socket))
