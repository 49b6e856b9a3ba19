import { describe, expect, it } from "vitest"
import { findOrphans, type Inventory, worktreeFor } from "../../core/domain/index.ts"
import { BATCH, pane, REPO, state, task } from "../support/builders.ts"

const inv = (overrides: Partial<Inventory> = {}): Inventory => ({
  repoRoot: REPO,
  tmux: { state: "up", panes: [] },
  worktrees: [],
  branches: [],
  merged: [],
  ...overrides
})
const wt = (path: string, extra: Partial<Inventory["worktrees"][number]> = {}) => ({
  path,
  bare: false,
  detached: false,
  locked: false,
  prunable: false,
  ...extra
})

describe("findOrphans", () => {
  it("a tagged session no state knows → stop it", () => {
    const o = findOrphans(
      [state([task("a")])],
      inv({ tmux: { state: "up", panes: [pane("a"), pane("ghost")] } })
    ).filter((x) => x.kind === "session")
    expect(o).toHaveLength(1)
    expect(o[0]).toMatchObject({ kind: "session", taskId: "ghost", steps: [{ _tag: "StopSession" }] })
  })

  it("never proposes anything for an untagged session (not ours), however it is named", () => {
    const { taskTag: _, ...untagged } = pane("x")
    const o = findOrphans(
      [state([])],
      inv({ tmux: { state: "up", panes: [untagged, pane("y", { taskTag: "not a tag" })] } })
    )
    expect(o).toEqual([])
  })

  it("another batch's resources are left alone unless --all", () => {
    const foreign = inv({
      tmux: { state: "up", panes: [pane("a", { taskTag: "zzz/a" })] },
      worktrees: [wt(worktreeFor(REPO, "zzz", "a"))]
    })
    expect(findOrphans([state([])], foreign)).toEqual([])
    expect(findOrphans([state([])], foreign, { scope: "all" }).map((o) => o.kind)).toEqual(["session", "worktree"])
  })

  it("an orphan dirty worktree is snapshotted before removal, never removed bare", () => {
    const path = worktreeFor(REPO, BATCH, "old")
    const [o] = findOrphans(
      [state([])],
      inv({ worktrees: [wt(path, { dirty: true, branch: `rekindle/${BATCH}/old` })] })
    )
    expect(o!.steps.map((s) => s._tag)).toEqual(["SnapshotOrphan", "RemoveWorktree"])
    expect(o!.steps[1]).toMatchObject({ afterSnapshot: true })
  })

  it("an orphan worktree of unknown dirtiness is treated as dirty", () => {
    const [o] = findOrphans([state([])], inv({ worktrees: [wt(worktreeFor(REPO, BATCH, "old"))] }))
    expect(o!.steps[0]!._tag).toBe("SnapshotOrphan")
  })

  it("a clean merged orphan worktree is removed without a snapshot", () => {
    const branch = `rekindle/${BATCH}/old`
    const [o] = findOrphans(
      [state([])],
      inv({ worktrees: [wt(worktreeFor(REPO, BATCH, "old"), { dirty: false, branch })], merged: [branch] })
    )
    expect(o!.steps).toMatchObject([{ _tag: "RemoveWorktree", afterSnapshot: false }])
  })

  it("worktrees outside .rekindle/worktrees (or escaping it with ..) are never ours", () => {
    const o = findOrphans(
      [state([])],
      inv({ worktrees: [wt("/elsewhere/x"), wt(`${REPO}/.rekindle/worktrees/${BATCH}/../../../etc`)] }),
      { scope: "all" }
    )
    expect(o).toEqual([])
  })

  it("a merged orphan branch is deleted, an unmerged one only reported", () => {
    const o = findOrphans(
      [state([])],
      inv({ branches: [`rekindle/${BATCH}/m`, `rekindle/${BATCH}/u`, "feature/x"], merged: [`rekindle/${BATCH}/m`] })
    )
    expect(o.map((x) => [x.name, x.steps[0]!._tag])).toEqual([
      [`rekindle/${BATCH}/m`, "DeleteBranch"],
      [`rekindle/${BATCH}/u`, "Report"]
    ])
  })

  // Found by outside eyes: a batch's state deleted by hand, then `repair --all`: its worktrees were removed, but their
  // branches (checked out by those very worktrees when repair looked) were left behind and never reported.
  it("regression: the branch of an orphan worktree removed here is judged too, after the removal", () => {
    const m = `rekindle/${BATCH}/m`
    const u = `rekindle/${BATCH}/u`
    const o = findOrphans(
      [state([])],
      inv({
        worktrees: [
          wt(worktreeFor(REPO, BATCH, "m"), { dirty: false, branch: m }),
          wt(worktreeFor(REPO, BATCH, "u"), { dirty: false, branch: u })
        ],
        branches: [m, u],
        merged: [m]
      })
    )
    expect(o.map((x) => [x.kind, x.steps.map((st) => st._tag)])).toEqual([
      ["worktree", ["RemoveWorktree"]],
      ["worktree", ["SnapshotOrphan", "RemoveWorktree"]],
      ["branch", ["DeleteBranch"]],
      ["branch", ["Report"]]
    ])
  })

  it("a branch checked out by a worktree repair keeps is left alone", () => {
    const b = `rekindle/${BATCH}/kept`
    const o = findOrphans(
      [state([task("kept", { worktree: worktreeFor(REPO, BATCH, "kept") })])],
      inv({ worktrees: [wt(worktreeFor(REPO, BATCH, "kept"), { branch: b })], branches: [b], merged: [b] })
    )
    expect(o.filter((x) => x.kind === "branch")).toEqual([])
  })

  it("state entries whose resources vanished are reported", () => {
    const o = findOrphans([state([task("a")])], inv())
    expect(o.map((x) => x.kind)).toEqual(["vanished-session", "vanished-worktree"])
  })

  it("deleted worktree directories → one prune", () => {
    const o = findOrphans([state([])], inv({ worktrees: [wt(worktreeFor(REPO, BATCH, "p"), { prunable: true })] }))
    expect(o).toMatchObject([{ steps: [{ _tag: "PruneWorktrees" }] }])
  })
})
