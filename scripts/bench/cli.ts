/**
 * B5 CLI: cold `rekindle status --json` on a 100-task batch (median wall ms over repeated runs),
 * and the share of it spent importing modules (a run of `--version`, which imports everything and
 * does nothing, stands for the import cost). Every run goes through the real `bin/rekindle.js`
 * shim, as users start it: from an installed package (a temp `node_modules/rekindle` whose `dist`
 * is this checkout's build) with Node's compile cache warm (every run after the first) and empty
 * (the first run after install), and from the TypeScript sources of the checkout.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { generateBatch } from "./generate.ts"
import { median } from "./stats.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const BIN = nodePath.join(ROOT, "bin/rekindle.js")

/** One B5 figure: median wall ms of `status --json` and of `--version` (the import cost). */
export interface CliTiming {
  readonly medianMs: number
  readonly importMs: number
}

/** B5 figures for the three ways the CLI starts. */
export interface CliTimings {
  readonly built: CliTiming
  readonly builtFirstRun: CliTiming
  readonly source: CliTiming
}

/** B5, variants alternated round by round. Undefined when the CLI is not there yet. */
export const benchCli = async (rounds: number): Promise<CliTimings | undefined> => {
  if (!fs.existsSync(nodePath.join(ROOT, "cli/main.ts"))) return undefined
  execFileSync(nodePath.join(ROOT, "node_modules/.bin/tsc"), ["-p", nodePath.join(ROOT, "tsconfig.build.json")], {
    stdio: "ignore"
  })
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-bench-cli-"))
  try {
    const repo = makeRepo(dir)
    // An installed package: the shim under node_modules runs ../dist/cli/main.js (this checkout's build).
    const pkg = nodePath.join(dir, "node_modules", "rekindle")
    fs.mkdirSync(nodePath.join(pkg, "bin"), { recursive: true })
    // The whole bin/ (the shim imports its Node version guard), as the package ships it.
    for (const f of fs.readdirSync(nodePath.dirname(BIN)))
      fs.copyFileSync(nodePath.join(nodePath.dirname(BIN), f), nodePath.join(pkg, "bin", f))
    fs.writeFileSync(nodePath.join(pkg, "package.json"), JSON.stringify({ name: "rekindle", type: "module" }))
    fs.symlinkSync(nodePath.join(ROOT, "dist"), nodePath.join(pkg, "dist"))
    const warmCache = nodePath.join(dir, "compile-cache")
    let fresh = 0
    const variants = {
      built: () => ({ bin: nodePath.join(pkg, "bin", "rekindle.js"), cache: warmCache }),
      builtFirstRun: () => ({
        bin: nodePath.join(pkg, "bin", "rekindle.js"),
        cache: nodePath.join(dir, `empty-cache-${fresh++}`)
      }),
      source: () => ({ bin: BIN, cache: warmCache })
    }
    const samples = Object.fromEntries(
      Object.keys(variants).map((k) => [k, { status: [] as Array<number>, version: [] as Array<number> }])
    )
    const socket = `rekindle-bench-cli-${process.pid}`
    const runOnce = (v: { readonly bin: string; readonly cache: string }, args: Array<string>) => {
      const t0 = performance.now()
      spawnSync(process.execPath, [v.bin, ...args], {
        cwd: repo,
        stdio: "ignore",
        env: { ...process.env, NO_COLOR: "1", NODE_COMPILE_CACHE: v.cache }
      })
      return performance.now() - t0
    }
    for (let r = -1; r < rounds; r++) {
      for (const [name, pick] of Object.entries(variants)) {
        const status = runOnce(pick(), ["status", "bench", "--json", "--repo", repo, "--socket", socket])
        const version = runOnce(pick(), ["--version"])
        if (r >= 0) {
          // round -1 only warms the OS file cache and the shared compile cache
          samples[name]!.status.push(status)
          samples[name]!.version.push(version)
        }
      }
    }
    const figure = (name: keyof typeof variants): CliTiming => ({
      medianMs: median(samples[name]!.status),
      importMs: median(samples[name]!.version)
    })
    return { built: figure("built"), builtFirstRun: figure("builtFirstRun"), source: figure("source") }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** A repo holding a generated 100-task batch under .rekindle/bench. */
const makeRepo = (dir: string): string => {
  const repo = nodePath.join(dir, "repo")
  fs.mkdirSync(repo)
  execFileSync("git", ["-C", repo, "init", "-q", "-b", "main"])
  const { state } = generateBatch(100)
  const stateDir = nodePath.join(repo, ".rekindle", "bench")
  fs.mkdirSync(stateDir, { recursive: true })
  fs.writeFileSync(
    nodePath.join(stateDir, "state.json"),
    JSON.stringify({
      ...state,
      repoRoot: repo,
      tasks: state.tasks.map((t) => ({ ...t, worktree: t.worktree?.replace("/bench/repo", repo) }))
    })
  )
  return repo
}
