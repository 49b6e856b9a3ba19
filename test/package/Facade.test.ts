/**
 * The Promise facade (core/facade.ts) over the FakeWorld: every use-case resolves to plain data,
 * every failure is a RekindleError with the engine's code, the batch's recorded tmux socket is used,
 * an abort signal interrupts, and a closed instance refuses. `createRekindle`'s option checks run
 * on the live adapter (nothing is spawned for them); the live facade itself runs in Artifact.test.ts.
 */
import * as Clock from "effect/Clock"
import * as Layer from "effect/Layer"
import { describe, expect, it } from "vitest"
import { createRekindleWithLayer, RekindleError, type Rekindle } from "../../core/facade.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { taskplane } from "../../core/import/index.ts"
import { createRekindle } from "../../adapters/facade.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { rejection } from "../support/facade.ts"
import { BATCH, paneOf, REPO, startBatch } from "../support/world.ts"
import { worktreeFor } from "../../core/domain/Naming.ts"

/** A facade over `world`, recording which sockets it was asked for. */
const facadeOver = (world: FakeWorld, options: { readonly tmuxSocket?: string } = {}) => {
  const sockets: Array<string | undefined> = []
  const rk = createRekindleWithLayer({ repo: REPO, ...options }, (socket) => {
    sockets.push(socket)
    return Layer.mergeAll(world.layer(), Layer.succeed(Clock.Clock, world.effectClock))
  })
  return { rk, sockets }
}

/** Plain data: survives structuredClone (no functions, no class instances with hidden state). */
const isPlain = (value: unknown) => expect(structuredClone(value)).toEqual(value)

describe("Promise facade over the FakeWorld", () => {
  it("plan, status, observe, repair, resume and abort resolve to plain data", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b" }])
    world.restartSupervisor()
    world.crashPane(paneOf(world, "b"))
    await using handle = { ...facadeOver(world), [Symbol.asyncDispose]: () => Promise.resolve() }
    const rk: Rekindle = handle.rk

    const report = await rk.plan()
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ["a", "reconnect"],
      ["b", "re-execute"]
    ])
    isPlain(report)
    const signals = await rk.observe()
    expect(signals.tmux.state).toBe("up")
    isPlain(signals)
    const rows = await rk.status()
    expect(rows.tasks.map((t) => [t.id, t.session])).toEqual([
      ["a", "alive"],
      ["b", "dead-pane"]
    ])
    isPlain(rows)
    const fixes = await rk.repair({ dryRun: true })
    expect(fixes.dryRun).toBe(true)
    isPlain(fixes)
    const resumed = await rk.resume({ supervise: false })
    expect(resumed.outcome).toBe("resume_create")
    expect(world.agents.launchesOf("b")).toHaveLength(2)
    isPlain(resumed)
    const stopped = await rk.abort({ hard: true })
    expect(stopped).toEqual({ batchId: BATCH, stopped: ["a", "b"], hard: true })
    await rk.close()
  })

  it("failures are RekindleError with the engine's code, message and hint (and toJSON like the CLI's)", async () => {
    const world = new FakeWorld()
    const { rk } = facadeOver(world)
    const none = await rejection(rk.status())
    expect(none.code).toBe("E_NO_STATE")
    expect(none.hint).not.toBe("")
    expect(none.toJSON()).toEqual({ code: "E_NO_STATE", message: none.message, hint: none.hint })
    // The way a library caller gets a batch is named first, the CLI command beside it.
    expect(none.hint).toContain("`importState(adapter, { save: true })` (CLI: `rekindle import <source>`)")

    await startBatch(world, [{ id: "a" }])
    const unknown = await rejection(rk.status({ batchId: "nope" }))
    expect(unknown.code).toBe("E_NO_STATE")
    expect(unknown.hint).toContain("`list()` (CLI: `rekindle list`)")
    expect((await rejection(rk.resume({ restart: "nope" }))).code).toBe("E_TASK_NOT_FOUND")
    await rk.abort({ hard: true })
    const refused = await rejection(rk.resume())
    expect(refused.code).toBe("E_NOT_RESUMABLE")
    expect(refused.details).toEqual({ phase: "stopped" })
    // A library caller is told the call to make (the CLI command kept beside it for logs).
    expect(refused.hint).toContain("`resume({ force: true })` (CLI: `rekindle resume --force`)")
    expect(refused.hint).not.toMatch(/(^|[^(:] )`rekindle /)
    await rk.close()
  })

  it("acts on the tmux socket the batch recorded, unless one is given", async () => {
    const world = new FakeWorld({ socket: "s2" })
    const state = await startBatch(world, [{ id: "a" }])
    await world.run(
      saveState(
        {
          ...state,
          options: {
            maxLanes: 1,
            failurePolicy: "stop-wave",
            mergeFailurePolicy: "pause",
            stallTimeoutMs: 1000,
            relaunchCap: 3,
            tmuxSocket: "s2"
          }
        },
        1
      )
    )
    const recorded = facadeOver(world)
    await recorded.rk.status()
    expect(recorded.sockets).toEqual([undefined, "s2"])
    const given = facadeOver(world, { tmuxSocket: "s3" })
    await given.rk.status()
    expect(given.sockets).toEqual(["s3"])
    await Promise.all([recorded.rk.close(), given.rk.close()])
  })

  it("an aborted signal interrupts (E_INTERRUPTED); a closed instance refuses (E_USAGE)", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const { rk } = facadeOver(world)
    const controller = new AbortController()
    controller.abort()
    expect((await rejection(rk.plan({ signal: controller.signal }))).code).toBe("E_INTERRUPTED")
    // In flight: an adapter whose read never settles is interrupted when the signal fires.
    const inFlight = new AbortController()
    const hanging = rk.importState(
      {
        name: "hang",
        location: "nowhere",
        read: () => new Promise<undefined>(() => {}),
        map: () => {
          throw new Error("unreachable")
        }
      },
      { signal: inFlight.signal }
    )
    setTimeout(() => inFlight.abort(), 20)
    expect((await rejection(hanging)).code).toBe("E_INTERRUPTED")
    // A time limit interrupts the same way, with its own code.
    const never = {
      name: "hang",
      location: "nowhere",
      read: () => new Promise<undefined>(() => {}),
      map: () => undefined as never
    }
    expect((await rejection(rk.importState(never, { timeoutMs: 20 }))).code).toBe("E_TIMEOUT")
    await rk.close()
    await rk.close()
    expect((await rejection(rk.plan())).code).toBe("E_USAGE")
  })

  it("importState saves a foreign batch that the other calls then act on", async () => {
    const world = new FakeWorld()
    world.writeFile(
      `${REPO}/.pi/batch-state.json`,
      JSON.stringify({
        schemaVersion: 2,
        phase: "paused",
        batchId: "tp1",
        baseBranch: "main",
        startedAt: 1,
        updatedAt: 2,
        wavePlan: [["T-1"]],
        lanes: [],
        mergeResults: [],
        tasks: [
          {
            taskId: "T-1",
            laneNumber: 1,
            sessionName: "orch-lane-1",
            status: "succeeded",
            taskFolder: `${REPO}/tasks/T-1`,
            startedAt: 1,
            endedAt: 2,
            doneFileFound: true,
            exitReason: ""
          }
        ]
      })
    )
    const { rk } = facadeOver(world)
    const imported = await rk.importState(taskplane({ repoRoot: REPO }), { save: true })
    expect(imported.saved).toBe(`${REPO}/.rekindle/tp1/state.json`)
    expect((await rk.status()).tasks.map((t) => [t.id, t.status])).toEqual([["T-1", "succeeded"]])
    await rk.close()
  })

  it("clean previews with dryRun: true and changes nothing; dryRun: false ends the batch; list shows it, then not", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b" }])
    const b = worktreeFor(REPO, BATCH, "b")
    world.git.commitInWorktree(b, "b's work", { "b.txt": "b\n" }) // unmerged: its branch is kept
    const repo = world.git.repoAt(REPO)!
    const { rk } = facadeOver(world)
    const listed = await rk.list()
    expect(listed.batches.map((x) => [x.batchId, x.counts.running])).toEqual([[BATCH, 2]])
    isPlain(listed)

    // No flag is no removal: a plain-JS caller that forgot it is told.
    const unflagged = await rejection(rk.clean(undefined as never))
    expect(unflagged.code).toBe("E_USAGE")
    expect(unflagged.hint).toContain("clean({ dryRun: true })")
    // Found by a helper: repair without the flag failed E_INTERNAL. It is told the same way.
    const unflaggedRepair = await rejection(rk.repair(undefined as never))
    expect(unflaggedRepair.code).toBe("E_USAGE")
    expect(unflaggedRepair.hint).toContain("repair({ dryRun: true })")
    const preview = await rk.clean({ dryRun: true })
    expect(preview.dryRun).toBe(true)
    expect(
      preview.steps
        .filter((s) => s._tag === "StopSession")
        .map((s) => s.taskId)
        .sort()
    ).toEqual(["a", "b"])
    isPlain(preview)
    expect(
      world.tmux
        .sessions()
        .map((x) => x.name)
        .sort()
    ).toEqual(["rk-b1-a", "rk-b1-b"])
    expect(world.git.worktreeAt(b)).toBeDefined()
    expect((await rk.status()).batchId).toBe(BATCH)

    const done = await rk.clean({ dryRun: false })
    expect(done.archivedTo).toMatch(new RegExp(`^${REPO}/\\.rekindle/\\.archive/${BATCH}-`))
    expect(world.tmux.sessions()).toEqual([])
    expect(world.git.worktreeAt(worktreeFor(REPO, BATCH, "a"))).toBeUndefined()
    expect(world.git.worktreeAt(b)).toBeUndefined()
    expect(repo.refs.has(`refs/heads/rekindle/${BATCH}/a`)).toBe(false) // merged (nothing of its own): deleted
    expect(repo.refs.has(`refs/heads/rekindle/${BATCH}/b`)).toBe(true) // unmerged: kept
    expect((await rk.list()).batches).toEqual([])
    expect((await rejection(rk.status())).code).toBe("E_NO_STATE")
    await rk.close()
  })
})

describe("createRekindle option checks (live adapter)", () => {
  it("refuses an unknown option, an unusable socket name or a state dir other than <repo>/.rekindle, synchronously", async () => {
    const thrown = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e
      }
      return undefined
    }
    // The manifest's rule: a name with a space passes tmux's own check but not a manifest's.
    expect((thrown(() => createRekindle({ repo: "/tmp", tmuxSocket: "my socket" })) as RekindleError).code).toBe(
      "E_USAGE"
    )
    const badSocket = thrown(() => createRekindle({ repo: "/tmp", tmuxSocket: "a/b" }))
    expect(badSocket).toBeInstanceOf(RekindleError)
    expect((badSocket as RekindleError).code).toBe("E_USAGE")
    expect((thrown(() => createRekindle({ repo: "/tmp", stateDir: "/var/state" })) as RekindleError).code).toBe(
      "E_USAGE"
    )
    // Found by outside eyes: `socket` (for `tmuxSocket`) was ignored, and the batch ran on the default server.
    const unknown = thrown(() => createRekindle({ repo: "/tmp", socket: "work" } as never)) as RekindleError
    expect([unknown.code, unknown.message, unknown.hint]).toEqual([
      "E_USAGE",
      'createRekindle does not know the option(s) "socket"',
      "its options are repo, stateDir, tmuxSocket, batchId, timeoutMs (the tmux socket is `tmuxSocket`)"
    ])
    // Found by outside eyes: -1, NaN and "5" were accepted, then every call rejected with a raw Node RangeError.
    for (const timeoutMs of [-1, Number.NaN, "5", 1.5])
      expect((thrown(() => createRekindle({ repo: "/tmp", timeoutMs } as never)) as RekindleError).code).toBe("E_USAGE")
    const ok = createRekindle({ repo: "/tmp/", stateDir: ".rekindle" })
    expect(ok.repo).toBe("/tmp")
    // A call's own limit is checked by the same rule, with the same words, before anything runs.
    const atCreate = thrown(() => createRekindle({ repo: "/tmp", timeoutMs: -1 })) as RekindleError
    const atCall = await rejection(ok.list({ timeoutMs: -1 }))
    expect([atCall.code, atCall.message, atCall.hint]).toEqual([atCreate.code, atCreate.message, atCreate.hint])
    await ok.close()
  })
})
