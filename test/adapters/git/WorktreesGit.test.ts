/**
 * Real-adapter behaviour the fake has no notion of: git identity, unborn HEADs, environment a git
 * hook would leak into rekindle, and the user's hooks around the temporary merge worktree.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as WorktreesGit from "../../../adapters/git/WorktreesGit.ts"
import { GIT_ENV, git } from "../../support/real/repo.ts"

let base = ""
beforeEach(() => {
  base = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-gitonly-")))
})
afterEach(() => fs.rmSync(base, { recursive: true, force: true }))

const port = (env: Readonly<Record<string, string | undefined>> = GIT_ENV) =>
  Effect.runPromise(WorktreesGit.make({ env }).pipe(Effect.provide(NodeServices.layer)))

const initRepo = (name: string, commit = true): string => {
  const root = nodePath.join(base, name)
  fs.mkdirSync(root)
  git(root, "init", "-q", "-b", "main")
  fs.writeFileSync(nodePath.join(root, "a.txt"), "a\n")
  if (commit) {
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
  }
  return root
}

describe("WorktreesGit (real git only)", () => {
  it("snapshots with rekindle's identity when git has none configured", async () => {
    const repo = initRepo("r")
    fs.writeFileSync(nodePath.join(repo, "u.txt"), "u")
    const noIdentity = {
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      HOME: nodePath.join(base, "nohome"),
      EMAIL: undefined,
      GIT_AUTHOR_NAME: undefined,
      GIT_AUTHOR_EMAIL: undefined,
      GIT_COMMITTER_NAME: undefined,
      GIT_COMMITTER_EMAIL: undefined
    }
    const snap = await Effect.runPromise((await port(noIdentity)).snapshotWip(repo, { task: "t1" }))
    expect(git(repo, "log", "-1", "--format=%an <%ae>", snap.commit).trim()).toBe("rekindle <rekindle@localhost>")
  })

  it("snapshots an unborn HEAD as a root commit", async () => {
    const repo = initRepo("unborn", false)
    const snap = await Effect.runPromise((await port()).snapshotWip(repo, { task: "t1", label: "first" }))
    expect(git(repo, "rev-list", "--parents", "-n", "1", snap.commit).trim()).toBe(snap.commit)
    expect(git(repo, "cat-file", "blob", `${snap.commit}:a.txt`)).toBe("a\n")
    expect(git(repo, "log", "-1", "--format=%B", snap.commit)).toContain("first")
  })

  it("ignores GIT_DIR / GIT_INDEX_FILE leaked from a surrounding git hook", async () => {
    const repo = initRepo("r")
    const other = initRepo("other")
    const p = await port()
    // rekindle's own process inherits what the hook it runs in was given.
    process.env.GIT_DIR = nodePath.join(other, ".git")
    process.env.GIT_INDEX_FILE = nodePath.join(other, ".git", "index")
    // biome-ignore lint/suspicious/noImplicitAnyLet: assigned inside the try, read after the finally
    let snap
    try {
      expect((await Effect.runPromise(p.list(repo)))[0]!.path).toBe(repo)
      snap = await Effect.runPromise(p.snapshotWip(repo, { task: "t1" }))
    } finally {
      delete process.env.GIT_DIR
      delete process.env.GIT_INDEX_FILE
    }
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/rekindle/").trim()).toBe(snap.ref)
    expect(git(other, "for-each-ref", "refs/rekindle/").trim()).toBe("")
  })

  it("does not run the user's hooks in the temporary merge worktree", async () => {
    const repo = initRepo("r")
    const marker = nodePath.join(base, "hook-ran")
    const hook = nodePath.join(repo, ".git", "hooks", "post-checkout")
    fs.mkdirSync(nodePath.dirname(hook), { recursive: true })
    // A Node script, not a shell one: it only records that it ran.
    fs.writeFileSync(
      hook,
      `#!${process.execPath}\nrequire("node:fs").appendFileSync(${JSON.stringify(marker)}, "ran\\n")\n`,
      { mode: 0o755 }
    )
    git(repo, "branch", "side")
    git(repo, "branch", "integ")
    const p = await port()
    const wt = (await Effect.runPromise(p.add(repo, { path: nodePath.join(base, "wt"), branch: "task", base: "side" })))
      .path
    expect(fs.readFileSync(marker, "utf8")).toBe("ran\n") // the user's own checkout does run hooks
    fs.writeFileSync(nodePath.join(wt, "t.txt"), "t")
    git(wt, "add", "-A")
    git(wt, "commit", "-q", "-m", "t")
    await Effect.runPromise(p.mergeInto(repo, { source: "task", target: "integ", message: "merge" }))
    expect(fs.readFileSync(marker, "utf8")).toBe("ran\n")
  })
})
