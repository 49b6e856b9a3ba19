/**
 * Issue 13, the black-box layer at soak scale: run the black-box suite (test/blackbox, which drives
 * the `rekindle` CLI as a child process and reads only the world: tmux on private sockets, git,
 * processes, files) in a vitest child with `REKINDLE_BLACKBOX_SCALE=full` (quick: its default scale),
 * and report one row per test file: runs = tests, violations = failed tests (and a file that did not
 * run). No slice in `npm test`: the black-box tests already run there at their default scale.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import type { Campaign, Row } from "./Report.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const VITEST = nodePath.join(ROOT, "node_modules/vitest/vitest.mjs")
const SUITE = "test/blackbox"
/** The whole suite must end within this (full scale measured well under it on a 2-core machine). */
const TIMEOUT_MS = 20 * 60_000
const GROUP = "black box"
const BAD = ["failed", "file errors"] as const

/** The parts of vitest's JSON report (the jest-compatible shape) read here. */
interface JsonReport {
  readonly testResults?: ReadonlyArray<{
    readonly name: string
    readonly status?: string
    readonly message?: string
    readonly startTime?: number
    readonly endTime?: number
    readonly assertionResults?: ReadonlyArray<{
      readonly title: string
      readonly fullName?: string
      readonly status: string
      readonly duration?: number | null
      readonly failureMessages?: ReadonlyArray<string>
    }>
  }>
}

const oneLine = (s: string, n = 300) => {
  const flat = s
    .replace(/\u001b\[[0-9;]*m/g, "")
    .replace(/\s+/g, " ")
    .trim()
  return flat.length > n ? `${flat.slice(0, n)}…` : flat
}

/** Run the suite; the report (or why there is none). */
const runSuite = async (
  full: boolean
): Promise<{
  readonly report: JsonReport | undefined
  readonly code: number | null
  readonly tail: string
  readonly ms: number
}> => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-soak-bb-"))
  const out = nodePath.join(dir, "report.json")
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (full) env["REKINDLE_BLACKBOX_SCALE"] = "full"
  else delete env["REKINDLE_BLACKBOX_SCALE"]
  const t0 = Date.now()
  // Its own process group, so that a suite over time is stopped with its workers (by the pid we started).
  const child = spawn(process.execPath, [VITEST, "run", SUITE, "--reporter=json", `--outputFile=${out}`], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let tail = ""
  const keep = (d: Buffer) => void (tail = (tail + d.toString()).slice(-4_000))
  child.stdout!.on("data", keep)
  child.stderr!.on("data", keep)
  const timer = setTimeout(() => {
    tail += `\n(timed out after ${TIMEOUT_MS / 60_000} min: stopped)`
    try {
      process.kill(-child.pid!, "SIGKILL")
    } catch {
      child.kill("SIGKILL")
    }
  }, TIMEOUT_MS)
  const code = await new Promise<number | null>((ok) => child.once("close", (c) => ok(c)))
  clearTimeout(timer)
  let report: JsonReport | undefined
  try {
    report = JSON.parse(fs.readFileSync(out, "utf8")) as JsonReport
  } catch {
    report = undefined
  }
  fs.rmSync(dir, { recursive: true, force: true })
  return { report, code, tail, ms: Date.now() - t0 }
}

/** One row per test file of the suite (a file the report lacks counts as a file error). */
export const rowsOf = (
  report: JsonReport | undefined,
  files: ReadonlyArray<string>,
  scaleName: string,
  why: string
): ReadonlyArray<Row> => {
  const results = report?.testResults ?? []
  return files.map((file): Row => {
    const r = results.find((x) => nodePath.relative(ROOT, x.name) === file)
    const tests = r?.assertionResults ?? []
    const failed = tests.filter((t) => t.status === "failed")
    const passed = tests.filter((t) => t.status === "passed").length
    const skipped = tests.length - passed - failed.length
    // The file did not run, or failed outside its tests (an import error, a failing hook).
    const fileError = r === undefined || (r.status === "failed" && failed.length === 0) ? 1 : 0
    const seconds =
      r?.startTime !== undefined && r.endTime !== undefined ? Math.round((r.endTime - r.startTime) / 1000) : undefined
    const counts = { passed, failed: failed.length, skipped, "file errors": fileError }
    const first = failed[0]
    const outcome =
      r === undefined
        ? `not in the report (${why})`
        : first !== undefined
          ? `${failed.length} failed, first: ${first.fullName ?? first.title}: ${oneLine(first.failureMessages?.join(" ") ?? "")}`
          : fileError > 0
            ? `the file failed: ${oneLine(r.message ?? "")}`
            : `${passed} tests passed${skipped > 0 ? `, ${skipped} skipped` : ""} at ${scaleName} scale${seconds === undefined ? "" : ` in ${seconds} s`}`
    return { group: GROUP, case: file, runs: tests.length, counts, bad: [...BAD], outcome }
  })
}

/** The campaign: `full` runs the suite with REKINDLE_BLACKBOX_SCALE=full, `quick` (and `slice`) at its default scale. */
export const campaign: Campaign = {
  name: "black box",
  run: async (scale) => {
    const full = scale === "full"
    const files = fs
      .readdirSync(nodePath.join(ROOT, SUITE))
      .filter((f) => f.endsWith(".test.ts"))
      .sort()
      .map((f) => `${SUITE}/${f}`)
    const { report, code, tail, ms } = await runSuite(full)
    const why =
      report === undefined ? `vitest exited ${code} without a report: ${oneLine(tail)}` : `vitest exited ${code}`
    const rows = rowsOf(report, files, full ? "full" : "default", why)
    // vitest failing with every file green (a global setup or teardown error, a timeout) is a violation too.
    if (code !== 0 && rows.every((r) => (r.counts["failed"] ?? 0) + (r.counts["file errors"] ?? 0) === 0)) {
      return [
        ...rows,
        {
          group: GROUP,
          case: `${SUITE} (suite)`,
          runs: 1,
          counts: { passed: 0, failed: 0, skipped: 0, "file errors": 1 },
          bad: [...BAD],
          outcome: `vitest exited ${code} after ${Math.round(ms / 1000)} s: ${oneLine(tail)}`
        }
      ]
    }
    return rows
  }
}
