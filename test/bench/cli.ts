/**
 * B5 CLI: cold `rekindle status --json` on a 100-task batch (median wall ms over repeated runs),
 * and the share of it spent importing modules (a run of `--version`, which imports everything and
 * does nothing, stands for the import cost).
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { generateBatch } from "./generate.ts"
import { median } from "./stats.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const SOURCE = nodePath.join(ROOT, "cli/main.ts")
const BUILT = nodePath.join(ROOT, "dist/cli/main.js")

/** One B5 figure: median wall ms of `status --json` and of `--version` (the import cost). */
export interface CliTiming {
  readonly medianMs: number
  readonly importMs: number
}

/**
 * B5 for the built CLI (what `npx rekindle` runs from an installed package; built here first) and
 * for the TypeScript sources (what a checkout runs). Undefined when the CLI is not there yet.
 */
export const benchCli = async (rounds: number): Promise<{ readonly built: CliTiming; readonly source: CliTiming } | undefined> => {
  if (!fs.existsSync(SOURCE)) return undefined
  execFileSync(nodePath.join(ROOT, "node_modules/.bin/tsc"), ["-p", nodePath.join(ROOT, "tsconfig.build.json")], { stdio: "ignore" })
  return { built: await timeCli(BUILT, rounds), source: await timeCli(SOURCE, rounds) }
}

const timeCli = async (CLI: string, rounds: number): Promise<CliTiming> => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-bench-cli-"))
  const repo = nodePath.join(dir, "repo")
  try {
    fs.mkdirSync(repo)
    execFileSync("git", ["-C", repo, "init", "-q", "-b", "main"])
    const { state } = generateBatch(100)
    const stateDir = nodePath.join(repo, ".rekindle", "bench")
    fs.mkdirSync(stateDir, { recursive: true })
    fs.writeFileSync(nodePath.join(stateDir, "state.json"), JSON.stringify({ ...state, repoRoot: repo, tasks: state.tasks.map((t) => ({ ...t, worktree: t.worktree?.replace("/bench/repo", repo) })) }))
    const socket = `rekindle-bench-cli-${process.pid}`
    const runOnce = (args: Array<string>) => {
      const t0 = performance.now()
      spawnSync(process.execPath, [CLI, ...args], { cwd: repo, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } })
      return performance.now() - t0
    }
    const status: Array<number> = []
    const version: Array<number> = []
    for (let r = 0; r < rounds; r++) {
      status.push(runOnce(["status", "bench", "--json", "--repo", repo, "--socket", socket]))
      version.push(runOnce(["--version"]))
    }
    return { medianMs: median(status), importMs: median(version) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
