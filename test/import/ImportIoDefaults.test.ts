/**
 * An `ImportIO` written before `now` and `liveProcess` existed (an embedder's own, handed to a bundled
 * adapter) still works, on the safe side: without a way to look at processes, taskplane hands a
 * registry agent's pid on as the task's agent process (importState checks it), and a supervisor lock
 * with a fresh heartbeat is taken as live.
 */
import { describe, expect, it } from "vitest"
import { ImportRefusedError, type ImportIO } from "../../core/import/Foreign.ts"
import { taskplane } from "../../core/import/index.ts"
import { BATCH, batchState, registry, supervisorLock } from "../fixtures/taskplane/states.ts"

const ROOT = "/home/dev/shop"

/** The members an embedder's io had before: files only. */
const filesOnly = (files: Readonly<Record<string, string>>): ImportIO => ({
  readText: async (path) => files[path],
  exists: async (path) => path in files,
  list: async () => []
})

const state = JSON.stringify(batchState({ root: ROOT }))

describe("an ImportIO without now and liveProcess", () => {
  it("a registry agent's pid becomes the task's agent process, for importState to check", async () => {
    const adapter = taskplane({ repoRoot: ROOT })
    const read = await adapter.read(
      filesOnly({
        [`${ROOT}/.pi/batch-state.json`]: state,
        [`${ROOT}/.pi/runtime/${BATCH}/registry.json`]: JSON.stringify(
          registry([{ taskId: "TP-201", lane: 1, pid: 4242, status: "running" }])
        )
      })
    )
    const batch = adapter.map(read!)
    expect(batch.tasks.find((t) => t.id === "TP-201")?.agentProcess).toEqual({ pid: 4242 })
  })

  it("a supervisor lock with a fresh heartbeat refuses the import (E_LOCKED): it cannot be proven stale", async () => {
    const adapter = taskplane({ repoRoot: ROOT })
    const read = await adapter.read(
      filesOnly({
        [`${ROOT}/.pi/batch-state.json`]: state,
        [`${ROOT}/.pi/supervisor/lock.json`]: JSON.stringify(supervisorLock(4343, Date.now()))
      })
    )
    const refused = (() => {
      try {
        adapter.map(read!)
        return undefined
      } catch (e) {
        return e
      }
    })()
    expect(refused).toBeInstanceOf(ImportRefusedError)
    expect((refused as ImportRefusedError).problems[0]?.code).toBe("E_LOCKED")
  })

  it("a lock whose heartbeat is old is stale by the wall clock", async () => {
    const adapter = taskplane({ repoRoot: ROOT })
    const read = await adapter.read(
      filesOnly({
        [`${ROOT}/.pi/batch-state.json`]: state,
        [`${ROOT}/.pi/supervisor/lock.json`]: JSON.stringify(supervisorLock(4343, Date.now() - 3_600_000))
      })
    )
    expect(adapter.map(read!).batchId).toBe(BATCH)
  })
})
