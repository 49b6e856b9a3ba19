/**
 * Real world: the supervisor is SIGKILLed while its agents run (real tmux on a private socket, real
 * git). A new supervisor (this process) resumes: it takes over the dead one's lease, reattaches,
 * and leaves every agent process exactly as it was — same pid, same start time, no relaunch.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { CrashPoint } from "../../../core/engine/apply/CrashPoints.ts"
import { batchPaths } from "../../../core/domain/Layout.ts"
import { resume } from "../../../core/engine/usecases/Resume.ts"
import { loadState } from "../../../core/engine/support/StateIO.ts"
import { pidAlive, pollUntil, startTicks } from "../../support/real/poll.ts"
import { paneList } from "../../support/real/socket.ts"
import { REAL_TIMEOUT_MS, RealWorld } from "../../support/real/world.ts"

let world: RealWorld | undefined

afterEach(async () => {
  await world?.cleanup()
  world = undefined
})

const leaseOwnerPid = (path: string): number | undefined => {
  try {
    return (JSON.parse(fs.readFileSync(path, "utf8")) as { owner: { pid: number } }).owner.pid
  } catch {
    return undefined
  }
}

describe("resume after the supervisor was SIGKILLed (real tmux + git)", () => {
  it(
    "reattaches: outcome resume_attach, agents untouched, lease taken over from the dead supervisor",
    async () => {
      const w = (world = new RealWorld())
      const paths = batchPaths(w.root, w.batchId)
      const supervisor = await w.startSupervisor(["a", "b"])
      const before = await w.run(loadState(w.ref))
      expect(before.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
        ["a", "running", 1],
        ["b", "running", 1]
      ])
      const agents = before.tasks.map((t) => t.agentProcess!)
      const ticks = agents.map((a) => startTicks(a.pid))
      expect(ticks.every((t) => t !== undefined)).toBe(true)
      expect(leaseOwnerPid(paths.lease)).toBe(supervisor.pid)
      const panesBefore = paneList(w.socket)
      expect(panesBefore).toHaveLength(2)

      // While it lives, a second supervisor is refused, naming the holder.
      const refused = await w.runExit(resume(w.ref, { supervise: false }))
      expect(JSON.stringify(refused)).toContain("E_LOCKED")
      expect(JSON.stringify(refused)).toContain(`pid ${supervisor.pid}`)

      process.kill(supervisor.pid, "SIGKILL")
      await supervisor.exited
      await pollUntil("the killed supervisor to leave the process table", () =>
        pidAlive(supervisor.pid) ? undefined : true
      )

      // Who holds the lease while the plan is applied (read at every step of the apply loop).
      const holders: Array<number | undefined> = []
      const watch = (_label: string) => Effect.sync(() => void holders.push(leaseOwnerPid(paths.lease)))
      // supervise: false — recover only (this test's agents never finish, so no wave would either).
      const r = await w.run(resume(w.ref, { supervise: false }).pipe(Effect.provideService(CrashPoint, watch)))

      expect(r.outcome).toBe("resume_attach")
      expect(r.recovered).toBe(0)
      expect(r.applied.map((s) => s._tag).filter((t) => t === "RelaunchAgent" || t === "StopSession")).toEqual([])
      expect(holders.length).toBeGreaterThan(0)
      expect(new Set(holders)).toEqual(new Set([process.pid]))
      expect(leaseOwnerPid(paths.lease)).not.toBe(supervisor.pid)

      // Same agent processes: alive, same pid and start time, same panes; nothing relaunched.
      for (const [i, a] of agents.entries()) {
        expect(pidAlive(a.pid)).toBe(true)
        expect(startTicks(a.pid)).toBe(ticks[i])
      }
      expect(paneList(w.socket)).toEqual(panesBefore)
      const after = await w.run(loadState(w.ref))
      expect(after.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
        ["a", "running", 1],
        ["b", "running", 1]
      ])
      expect(after.phase).toBe("paused") // recovered, waiting for a supervisor
      expect(after.tasks.map((t) => t.agentProcess)).toEqual(agents)
      const journal = fs
        .readFileSync(paths.journal, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { kind: string })
      expect(journal.filter((e) => e.kind.startsWith("resume_")).map((e) => e.kind)).toEqual(["resume_attach"])
    },
    REAL_TIMEOUT_MS
  )
})
