/**
 * Sample documents for the store tests: two distinct valid states (a "previous" and a "next"), and a
 * process identity factory for leases.
 */
import type { ProcessIdentity } from "../../../core/domain/Ids.ts"
import type { BatchState } from "../../../core/domain/State.ts"

/** A valid state; `n` changes enough fields that two samples never encode alike. */
export const sampleState = (n: number, extra: Record<string, unknown> = {}): BatchState => ({
  version: 1,
  batchId: "b1",
  phase: "executing",
  repoRoot: "/repo",
  baseBranch: "main",
  waves: [["t1", "t2"], ["t3"]],
  tasks: ["t1", "t2", "t3"].map((id, i) => ({
    id,
    status: i < n % 3 ? "succeeded" : "running",
    dependsOn: i === 2 ? ["t1", "t2"] : [],
    agent: "claude",
    prompt: `do ${id} — ünïcödé ${n}`,
    attempts: n,
    session: `rk-b1-${id}`,
    worktree: `/repo/.rekindle/worktrees/b1/${id}`
  })),
  lanes: [],
  merges: [{ wave: 0, status: "succeeded", at: 1000 + n }],
  counters: { saves: n },
  errors: [],
  logCheckpoints: {},
  prompts: [],
  createdAt: 1000,
  updatedAt: 1000 + n,
  ...extra
})

/** A process identity (pid + start time + host). */
export const identity = (pid: number, host = "host-a", startTime = `st${pid}`): ProcessIdentity => ({
  pid,
  startTime,
  host
})
