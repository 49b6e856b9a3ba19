/**
 * Harness for the Worktrees contract on the fake: a fresh {@link GitWorld} whose drivers stand in
 * for what the real harness does with git and the file system.
 */
import * as nodePath from "node:path"
import { FakeClock } from "../../../adapters/testing/World.ts"
import { GitWorld } from "../../../adapters/git/GitWorld.ts"
import * as WorktreesFake from "../../../adapters/git/WorktreesFake.ts"
import type { WorktreesHarness } from "../../contracts/Worktrees.contract.ts"

/** A fresh fake-git harness. */
export const makeFakeHarness = async (): Promise<WorktreesHarness> => {
  const world = new GitWorld(new FakeClock())
  let n = 0
  const found = (wt: string) => {
    const hit = world.worktreeAt(wt)
    if (hit === undefined) throw new Error(`no fake worktree at ${wt}`)
    return hit
  }
  return {
    port: WorktreesFake.make(world),
    initRepo: async (files) => world.initRepo(`/fake/repo-${++n}`, files).root,
    freshPath: (name) => nodePath.join(`/fake/p-${++n}`, name),
    writeFile: async (wt, file, content) => world.dirtyWorktree(wt, file, content),
    readFile: async (wt, file) => found(wt).wt.files.get(file),
    commitIn: async (wt, message, files) => world.commitInWorktree(wt, message, files),
    advanceBranch: async (repo, branch) => {
      const next = world.commitOnBranch(repo, branch, "moved meanwhile", {})
      world.moveBranch(repo, branch, next)
      return next
    },
    leaveIndexLock: async (wt) => world.leaveIndexLock(wt),
    lockWorktree: async (wt) => world.lockWorktree(wt),
    deleteDir: async (wt) => world.deleteWorktreeDir(wt),
    removeDotGit: async (wt) => world.corruptWorktreeDir(wt),
    makeDir: async (path) => world.makeDir(path),
    detachHead: async (wt) => world.detachHead(wt),
    fingerprint: async (wt) => world.fingerprint(wt),
    refFiles: async (repo, ref) => {
      const r = world.repoAt(repo)!
      return Object.fromEntries(world.treeOf(r, world.resolve(r, ref)))
    },
    hangingPort: async () => {
      world.hung = true
      return WorktreesFake.make(world)
    },
    leftovers: async () => [],
    cleanup: async () => {}
  }
}
