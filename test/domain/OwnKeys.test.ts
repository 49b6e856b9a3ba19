/**
 * Regression: signals records (markers by task id, paths by worktree) are read by own key only.
 * Found by the agreement property (test/domain/Agreement.test.ts) on a raw Schema-generated state:
 * a task whose worktree was "constructor" got `evidence.worktree` = Object's constructor function
 * and the reason "its worktree is function Object() { [native code] }". `constructor` and
 * `toString` are also valid task ids, which read as an invalid done marker that does not exist.
 */
import { describe, expect, it } from "vitest"
import { evidenceFor, reconcile } from "../../core/domain/index.ts"
import { present, signals, state, task } from "../support/builders.ts"

describe("signals records are read by own key", () => {
  it.each(["constructor", "toString", "hasOwnProperty"])("task %s without a marker file has no marker", (id) => {
    const t = task(id)
    const [d] = reconcile(state([t]), signals([], { paths: present(t) }))
    expect(d).toMatchObject({ action: "re-execute", evidence: { marker: "none", worktree: "present" } })
  })

  it("task constructor with its own marker is marked complete", () => {
    const t = task("constructor")
    const markers = { constructor: { valid: true, status: "succeeded" as const } }
    expect(reconcile(state([t]), signals([], { paths: present(t), markers }))[0]).toMatchObject({
      action: "mark-complete",
      outcome: "succeeded"
    })
  })

  it("shrunk counterexample: a worktree path named like an Object.prototype member is just missing", () => {
    const t = task("C8wD", { worktree: "constructor" })
    const e = evidenceFor(state([t]), t, { ...signals([]), tmux: { state: "no-server" } })
    expect(e.worktree).toBe("missing")
    expect(reconcile(state([t]), { ...signals([]), tmux: { state: "no-server" } })[0]!.reason).toBe(
      "session is gone and its worktree is missing"
    )
  })
})
