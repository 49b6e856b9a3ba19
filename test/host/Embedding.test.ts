/**
 * rekindle embedded in a real orchestrator (test/host/ToyOrchestrator.ts) on real tmux + git, crashed
 * the ways an outside embedder crashed it: twice in a row, between `new-session` and its state save,
 * with a tmux server kill an agent outlives, and with a finished job whose branch a recover-only
 * resume must not merge. Assertions read the world: processes in /proc, tmux sessions, git refs.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import type { RekindleError } from "../../exports/index.ts"
import { JOB_SCRIPT, ToyOrchestrator } from "./ToyOrchestrator.ts"

const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "toy",
  GIT_AUTHOR_EMAIL: "toy@rekindle.invalid",
  GIT_COMMITTER_NAME: "toy",
  GIT_COMMITTER_EMAIL: "toy@rekindle.invalid",
  LC_ALL: "C"
}
// The live adapters run git with this process's environment.
for (const [k, v] of Object.entries(GIT_ENV)) process.env[k] = v

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/** A fresh repo, script and private socket, torn down after the test (jobs released, server killed). */
const setUp = (): ToyOrchestrator => {
  const tmp = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-host-")))
  const repo = `${tmp}/repo`
  const git = (...args: ReadonlyArray<string>) =>
    execFileSync("git", ["-C", repo, ...args], { env: { ...process.env, ...GIT_ENV } })
  fs.mkdirSync(repo)
  git("init", "-q", "-b", "main")
  fs.writeFileSync(`${repo}/README.md`, "toy\n")
  git("add", "README.md")
  git("commit", "-qm", "initial")
  fs.appendFileSync(`${repo}/.git/info/exclude`, "/.toy/\n")
  fs.writeFileSync(`${tmp}/job.sh`, JOB_SCRIPT)
  const socket = `rekindle-test-host-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const host = new ToyOrchestrator(repo, socket, `${tmp}/job.sh`, GIT_ENV)
  cleanups.push(() => {
    // Every job this test started finishes on its own once released; then the server and files go.
    for (const p of jobProcesses(host)) fs.writeFileSync(`${p.cwd}/release`, "")
    waitFor(() => jobProcesses(host).length === 0)
    for (const p of jobProcesses(host)) spawnSync("kill", ["-KILL", String(p.pid)])
    host.killServer()
    fs.rmSync(tmp, { recursive: true, force: true })
  })
  return host
}

/** The live job processes of this host (its script path in argv), read from /proc. */
const jobProcesses = (host: ToyOrchestrator, name?: string) =>
  fs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return []
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      if (argv[0] !== "bash" || argv[1] !== host.script || (name !== undefined && argv[2] !== name)) return []
      const state = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0]
      if (state === "Z") return []
      return [{ pid: Number(entry), name: argv[2]!, cwd: fs.readlinkSync(`/proc/${entry}/cwd`) }]
    } catch {
      return []
    }
  })

const sessions = (host: ToyOrchestrator): ReadonlyArray<string> => {
  const r = spawnSync("tmux", ["-L", host.socket, "list-sessions", "-F", "#{session_name}"], { encoding: "utf8" })
  return r.status === 0
    ? r.stdout
        .trim()
        .split("\n")
        .filter((s) => s !== "")
        .sort()
    : []
}

/** Poll until `ok` (generous bound: the machine may be loaded); false when it never held. */
const waitFor = (ok: () => boolean, ms = 20_000): boolean => {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (ok()) return true
    spawnSync("sleep", ["0.1"])
  }
  return ok()
}

const rev = (host: ToyOrchestrator, ref: string) =>
  execFileSync("git", ["-C", host.repo, "rev-parse", ref], { encoding: "utf8" }).trim()

describe("a real orchestrator embedding rekindle (real tmux + git)", { timeout: 120_000 }, () => {
  it("the host reaches rekindle only through the package entry points", () => {
    const source = fs.readFileSync(nodePath.join(import.meta.dirname, "ToyOrchestrator.ts"), "utf8")
    const specifiers = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!)
    expect(specifiers.filter((s) => !s.startsWith("node:"))).toEqual(["../../exports/index.ts"])
  })

  it("after the second crash a refresh keeps the journal and agent identities: one agent per job, each time", async () => {
    const host = setUp()
    host.plan("run1", ["a", "b"])
    host.start("a")
    host.start("b")
    expect(waitFor(() => jobProcesses(host).length === 2)).toBe(true)
    host.killServer() // crash 1: the host and its tmux server die
    expect(waitFor(() => jobProcesses(host).length === 0)).toBe(true)
    await using rk = host.rekindle()
    await rk.importState(host.adapter(), { save: true })
    const first = await rk.resume({ supervise: false })
    expect(first.failedLaunches).toEqual([])
    expect(waitFor(() => jobProcesses(host, "a").length === 1 && jobProcesses(host, "b").length === 1)).toBe(true)

    host.killServer() // crash 2
    expect(waitFor(() => jobProcesses(host).length === 0)).toBe(true)
    host.save(host.read()) // the host restarts and rewrites its (unchanged) view
    const refused = await rk.importState(host.adapter(), { save: true }).catch((e: unknown) => e)
    expect((refused as RekindleError).code).toBe("E_USAGE")
    await rk.importState(host.adapter(), { save: true, mode: "refresh" })
    // rekindle's crash-loop back-off holds the third launch a few seconds: wait it out, then resume.
    const until = Date.now() + 60_000
    while ((await rk.plan()).plan.steps.some((s) => s._tag === "Hold") && Date.now() < until)
      await new Promise((r) => setTimeout(r, 500))
    await rk.resume({ supervise: false })
    expect(waitFor(() => jobProcesses(host, "a").length === 1 && jobProcesses(host, "b").length === 1)).toBe(true)
    const journal = fs.readFileSync(`${host.repo}/.rekindle/run1/events.jsonl`, "utf8")
    for (const key of ["run1:relaunch:a:2", "run1:relaunch:a:3", "run1:relaunch:b:3"]) expect(journal).toContain(key)
    // Both jobs finish in the sessions rekindle relaunched.
    host.release("a")
    host.release("b")
    expect(
      waitFor(() => fs.existsSync(`${host.repo}/.toy/wt/a/.done`) && fs.existsSync(`${host.repo}/.toy/wt/b/.done`))
    ).toBe(true)
  })

  it("a crash between new-session and the state save: the live job is reconnected, not started twice", async () => {
    const host = setUp()
    host.plan("run2", ["c"])
    host.start("c", { crashBeforeSave: true })
    expect(waitFor(() => jobProcesses(host, "c").length === 1)).toBe(true)
    const pid = jobProcesses(host, "c")[0]!.pid
    await using rk = host.rekindle()
    const planned = await rk.planImport(host.adapter())
    expect(planned.decisions.map((d) => [d.taskId, d.action])).toEqual([["c", "reconnect"]])
    await rk.importState(host.adapter(), { save: true })
    await rk.resume({ supervise: false })
    expect(jobProcesses(host, "c").map((p) => p.pid)).toEqual([pid])
    expect(sessions(host)).toEqual(["toy-c"])
  })

  it("an agent alive outside tmux after a server kill is held: no second agent, no new session", async () => {
    const host = setUp()
    host.plan("run3", ["d"])
    host.start("d", { hup: true })
    expect(waitFor(() => jobProcesses(host, "d").length === 1)).toBe(true)
    const pid = jobProcesses(host, "d")[0]!.pid
    host.killServer()
    expect(waitFor(() => sessions(host).length === 0)).toBe(true)
    await using rk = host.rekindle()
    await rk.importState(host.adapter(), { save: true })
    const r = await rk.resume({ supervise: false })
    expect(r.report.decisions.map((d) => [d.taskId, d.action])).toEqual([["d", "hold"]])
    expect(jobProcesses(host, "d").map((p) => p.pid)).toEqual([pid])
    expect(sessions(host)).toEqual([])
  })

  it("regression: a host batch rekindle carries to completed keeps the host's worktrees, branches and sessions", async () => {
    const host = setUp()
    // The host keeps a finished job's pane (remain-on-exit), as orchestrators that show results do.
    spawnSync("tmux", ["-L", host.socket, "new-session", "-d", "-s", "toy-dashboard", "sleep", "600"])
    spawnSync("tmux", ["-L", host.socket, "set-option", "-g", "remain-on-exit", "on"])
    // The job's own files are ignored: its worktree is clean, which is when the end of a batch removes one.
    fs.appendFileSync(`${host.repo}/.git/info/exclude`, ".done\nrelease\n")
    host.plan("run5", ["f"])
    host.start("f")
    host.release("f")
    expect(waitFor(() => fs.existsSync(`${host.repo}/.toy/wt/f/.done`))).toBe(true)
    host.reap()
    await using rk = host.rekindle()
    await rk.importState(host.adapter(), { save: true })
    const r = await rk.resume()
    expect(r.report.decisions.map((d) => [d.taskId, d.action])).toEqual([["f", "mark-complete"]])
    const state = JSON.parse(fs.readFileSync(`${host.repo}/.rekindle/run5/state.json`, "utf8")) as { phase: string }
    expect(state.phase).toBe("completed")
    // rekindle merged the job (the batch's merge policy is rekindle's) and removed nothing of the host's.
    expect(execFileSync("git", ["-C", host.repo, "cat-file", "-e", "main:f.txt"]).length).toBe(0)
    expect(fs.existsSync(`${host.repo}/.toy/wt/f/.done`)).toBe(true)
    expect(rev(host, "toy/f")).toMatch(/^[0-9a-f]{40}$/)
    const listed = execFileSync("git", ["-C", host.repo, "worktree", "list", "--porcelain"], { encoding: "utf8" })
    expect(listed).toContain(`worktree ${host.repo}/.toy/wt/f`)
    expect(sessions(host)).toEqual(["toy-dashboard", "toy-f"])
  })

  it("recover-only never merges a finished job's branch into the host's main", async () => {
    const host = setUp()
    host.plan("run4", ["e"])
    host.start("e")
    host.release("e")
    expect(waitFor(() => fs.existsSync(`${host.repo}/.toy/wt/e/.done`))).toBe(true)
    host.reap()
    host.killServer()
    const main = rev(host, "main")
    await using rk = host.rekindle()
    await rk.importState(host.adapter(), { save: true })
    const r = await rk.resume({ supervise: false })
    expect(rev(host, "main")).toBe(main)
    expect(r.message).toContain("merge(s) left")
    expect(rev(host, "toy/e")).not.toBe(main) // the job's work is still on its branch
  })
})
