/**
 * The real-machine harness, part 1: git. A temp repo whose git ignores the machine's config and has a
 * fixed identity, and git run with argv arrays only.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"

/** Environment that makes git independent of the machine's config and locale. */
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "rekindle test",
  GIT_AUTHOR_EMAIL: "test@rekindle.invalid",
  GIT_COMMITTER_NAME: "rekindle test",
  GIT_COMMITTER_EMAIL: "test@rekindle.invalid",
  LC_ALL: "C"
}

/**
 * The live layer (adapters/node.ts) reads git's config from the environment of this process: make
 * this test process (a vitest worker of its own) independent of the machine's git config.
 */
export const isolateGitEnv = (): void => {
  for (const [k, v] of Object.entries(GIT_ENV)) process.env[k] = v
}

/** Run git in `dir` (argv only); stdout. */
export const git = (dir: string, ...args: ReadonlyArray<string>): string =>
  execFileSync("git", ["-C", dir, ...args], {
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"]
  })

/** A temp directory holding a git repo at `root` (both real paths: git reports real paths). */
export interface RealRepo {
  readonly base: string
  readonly root: string
  readonly cleanup: () => void
}

/** How a test repo starts. */
export interface RepoOptions {
  /** Temp directory name prefix. */
  readonly prefix?: string
  /** README.md of the first commit (identical across tests when blob ids are compared). */
  readonly readme?: string
  readonly message?: string
  /** Exclude `.rekindle/` in .git/info/exclude up front (rekindle does it itself when it runs). */
  readonly excludeRekindle?: boolean
}

/** A temp dir `base` holding a repo `base/repo` on branch main with one commit (README.md). */
export const makeRepo = (options: RepoOptions = {}): RealRepo => {
  const base = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), options.prefix ?? "rekindle-engine-")))
  const root = nodePath.join(base, "repo")
  fs.mkdirSync(root)
  git(root, "init", "-q", "-b", "main")
  fs.writeFileSync(nodePath.join(root, "README.md"), options.readme ?? "hello\n")
  git(root, "add", "-A")
  git(root, "commit", "-q", "-m", options.message ?? "initial")
  if (options.excludeRekindle ?? true) fs.appendFileSync(nodePath.join(root, ".git", "info", "exclude"), ".rekindle/\n")
  return { base, root, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) }
}

/** Refs under `prefix` with their commits. */
export const refsUnder = (root: string, prefix: string): ReadonlyArray<string> =>
  git(root, "for-each-ref", "--format=%(refname) %(objectname)", prefix)
    .split("\n")
    .filter((l) => l !== "")
