/**
 * Harness for the Worktrees contract on real git: temp repos under one mkdtemp directory (removed in
 * cleanup), git run with argv only and an environment that ignores the machine's git config.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as WorktreesGit from "../../../adapters/git/WorktreesGit.ts"
import type { WorktreesHarness } from "../../contracts/Worktrees.contract.ts"
import { GIT_ENV, git } from "../../support/real/repo.ts"

const write = (root: string, file: string, content: string) => {
  const full = nodePath.join(root, file)
  fs.mkdirSync(nodePath.dirname(full), { recursive: true })
  fs.writeFileSync(full, content)
}

/** Hash every file under `dir` (skipping a `.git` directory at the top, keeping a `.git` file). */
const hashTree = (dir: string, top = true): Array<string> =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const full = nodePath.join(dir, e.name)
      if (top && e.name === ".git" && e.isDirectory()) return []
      if (e.isDirectory()) return hashTree(full, false).map((l) => `${e.name}/${l}`)
      return [`${e.name} ${createHash("sha256").update(fs.readFileSync(full)).digest("hex")}`]
    })

/** A fresh real-git harness. */
export const makeRealHarness = async (): Promise<WorktreesHarness> => {
  const base = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-git-")))
  let n = 0
  const port = await Effect.runPromise(WorktreesGit.make({ env: GIT_ENV }).pipe(Effect.provide(NodeServices.layer)))
  const gitDir = (wt: string) => git(wt, "rev-parse", "--absolute-git-dir").trim()
  return {
    port,
    initRepo: async (files) => {
      const root = nodePath.join(base, `repo-${++n}`)
      fs.mkdirSync(root)
      git(root, "init", "-q", "-b", "main")
      for (const [f, c] of Object.entries(files)) write(root, f, c)
      git(root, "add", "-A")
      git(root, "commit", "-q", "-m", "initial")
      return root
    },
    freshPath: (name) => nodePath.join(base, `p-${++n}`, name),
    writeFile: async (wt, file, content) => write(wt, file, content),
    readFile: async (wt, file) => {
      try {
        return fs.readFileSync(nodePath.join(wt, file), "utf8")
      } catch {
        return undefined
      }
    },
    commitIn: async (wt, message, files) => {
      for (const [f, c] of Object.entries(files)) write(wt, f, c)
      git(wt, "add", "-A")
      git(wt, "commit", "-q", "-m", message)
      return git(wt, "rev-parse", "HEAD").trim()
    },
    advanceBranch: async (repo, branch) => {
      const ref = `refs/heads/${branch}`
      const old = git(repo, "rev-parse", "--verify", ref).trim()
      const next = git(repo, "commit-tree", "-p", old, "-m", "moved meanwhile", `${old}^{tree}`).trim()
      git(repo, "update-ref", ref, next, old)
      return next
    },
    leaveIndexLock: async (wt) =>
      fs.writeFileSync(`${git(wt, "rev-parse", "--path-format=absolute", "--git-path", "index").trim()}.lock`, ""),
    lockWorktree: async (wt) => void git(wt, "worktree", "lock", "--reason", "test", "--", wt),
    deleteDir: async (wt) => fs.rmSync(wt, { recursive: true, force: true }),
    removeDotGit: async (wt) => fs.rmSync(nodePath.join(wt, ".git"), { recursive: true, force: true }),
    makeDir: async (path) => write(path, "stray.txt", "not a worktree"),
    detachHead: async (wt) => void git(wt, "checkout", "-q", "--detach"),
    fingerprint: async (wt) => {
      const dir = gitDir(wt)
      const read = (f: string) =>
        fs.existsSync(nodePath.join(dir, f))
          ? createHash("sha256")
              .update(fs.readFileSync(nodePath.join(dir, f)))
              .digest("hex")
          : "-"
      const status = git(wt, "--no-optional-locks", "status", "--porcelain=v2", "-z", "--untracked-files=all")
      return JSON.stringify({
        files: hashTree(wt),
        index: read("index"),
        lock: read("index.lock"),
        head: read("HEAD"),
        status
      })
    },
    refFiles: async (repo, ref) => {
      const names = git(repo, "ls-tree", "-r", "-z", "--name-only", ref)
        .split("\0")
        .filter((s) => s !== "")
      return Object.fromEntries(names.map((f) => [f, git(repo, "cat-file", "blob", `${ref}:${f}`)]))
    },
    hangingPort: async (repo) => {
      // git status opens info/exclude; as a FIFO nobody writes to, that open never returns.
      const exclude = nodePath.join(gitDir(repo), "info", "exclude")
      fs.rmSync(exclude, { force: true })
      fs.mkdirSync(nodePath.dirname(exclude), { recursive: true })
      execFileSync("mkfifo", ["--", exclude])
      return Effect.runPromise(
        WorktreesGit.make({ env: GIT_ENV, timeout: "300 millis" }).pipe(Effect.provide(NodeServices.layer))
      )
    },
    leftovers: async (repo) => {
      const common = git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir").trim()
      const dirs = fs.readdirSync(common).filter((f) => f.startsWith("rekindle-merge-"))
      const admin = nodePath.join(common, "worktrees")
      const registered = fs.existsSync(admin)
        ? fs.readdirSync(admin).filter((f) => f.startsWith("rekindle-merge-"))
        : []
      return [...dirs, ...registered]
    },
    cleanup: async () => fs.rmSync(base, { recursive: true, force: true })
  }
}
