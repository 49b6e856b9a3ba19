/**
 * Control of a supervised batch on real tmux + git: `send`, `pause` / `continue`, `abort --hard` and
 * `restart` run as the real CLI while a supervisor (test/fixtures/e2e-supervisor.ts) holds the lease;
 * each hands its request to the supervisor, which carries it out. A supervisor SIGKILLed in the
 * middle of a request leaves it for the next one (`resume`), which finishes it exactly once.
 * Asserts on the world: the agents' own start log, pane logs, sessions, processes, the request file.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { e2eHooks, type E2E } from "../support/real/e2e.ts"
import { pidAlive, pollUntil } from "../support/real/poll.ts"
import { sessionNames, tmux } from "../support/real/socket.ts"
import { git } from "../support/real/repo.ts"

const CLI = nodePath.resolve(import.meta.dirname, "../../cli/main.ts")

/** Run the real CLI against the E2E's repo and socket; resolves with its exit code and output. */
const cli = async (e: E2E, ...args: ReadonlyArray<string>) => {
  const child = e.node([CLI, "--repo", e.repo, "--socket", e.socket, ...args])
  const code = await child.exited
  return { code, stdout: child.stdout(), stderr: child.stderr() }
}

/** The request files of the batch, parsed. */
const requests = (e: E2E): ReadonlyArray<{ action: string; status: string; outcome?: string }> => {
  const dir = nodePath.join(e.paths.dir, "requests")
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .map((n) => JSON.parse(fs.readFileSync(nodePath.join(dir, n), "utf8")))
}

/** How often `text` appears as a whole line of `taskId`'s pane log. */
const linesOf = (e: E2E, taskId: string, text: string) =>
  fs
    .readFileSync(e.paths.log(taskId), "utf8")
    .split("\n")
    .filter((l) => l.replace(/\r$/, "").trim() === text).length

const waitingForInput = (e: E2E, taskId: string) =>
  pollUntil(
    `${taskId} to wait for input`,
    () =>
      e.status(taskId) === "running" && e.paneHistory(taskId).some((l) => l.includes("? waiting for input"))
        ? true
        : undefined,
    30_000
  )

const ANSWER = "green-7"

describe("control of a supervised batch (real tmux + git, the real CLI)", () => {
  const make = e2eHooks(afterEach)

  it("send: the supervisor types the text once; the agent gets it and the batch completes", async () => {
    const e = make()
    e.manifest([e.task("asker", "ask first [ask] [steps:2]")])
    const sup = e.supervisor()
    await waitingForInput(e, "asker")
    const r = await cli(e, "send", "asker", ANSWER)
    expect(r.stderr).toContain("handed to the supervisor")
    expect(r.code).toBe(0)
    await sup.waitFor("ended completed")
    expect(git(e.repo, "show", "main:asker.txt")).toBe(`asker (attempt 1): ${ANSWER}\n`)
    expect(linesOf(e, "asker", ANSWER)).toBe(1)
    expect(requests(e)).toEqual([expect.objectContaining({ action: "send", status: "done" })])
  }, 120_000)

  it("pause holds the next wave while the running agent finishes; continue launches it", async () => {
    const e = make()
    // first waits for an answer, so it cannot finish (and wave 2 cannot start) before the pause lands.
    e.manifest([e.task("first", "first [ask] [steps:1]"), e.task("second", "second [steps:1]", ["first"])])
    const sup = e.supervisor()
    await waitingForInput(e, "first")
    const paused = await cli(e, "pause")
    expect(paused.code, paused.stdout + paused.stderr).toBe(0)
    expect((await cli(e, "send", "first", "go")).code).toBe(0)
    // first finishes and is merged; second stays pending while paused.
    await pollUntil(
      "first's lane merged",
      () => (e.state()?.merges.some((m) => m.status === "succeeded") ? true : undefined),
      30_000
    )
    await pollUntil("the supervisor to poll a few times in wave 2", async () => {
      await new Promise((ok) => setTimeout(ok, 1_000))
      return true
    })
    expect(e.status("second"), JSON.stringify({ paused, requests: requests(e) })).toBe("pending")
    expect(e.ranTasks()).toEqual(["first"])
    // status says why nothing starts (it said plain `executing` before).
    const shown = await cli(e, "status")
    expect(shown.stdout).toContain("executing (launching paused)")
    expect(shown.stdout).toContain("rekindle continue")
    const json = JSON.parse((await cli(e, "--json", "status")).stdout)
    expect([json.launchingPaused, json.openRequests]).toEqual([true, []])
    expect((await cli(e, "continue")).code).toBe(0)
    await sup.waitFor("ended completed")
    expect(e.ranTasks()).toEqual(["first", "second"])
  }, 120_000)

  it("abort --hard under a supervisor: sessions and agents gone, batch stopped, the supervisor ends", async () => {
    const e = make()
    e.manifest([e.task("a", "a [hang]"), e.task("b", "b [hang]")])
    const sup = e.supervisor()
    await pollUntil("both agents to run", () => (e.runs().length === 2 ? true : undefined), 30_000)
    const r = await cli(e, "abort", "--hard", "--yes")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("stopped a, b")
    await sup.waitFor("ended stopped")
    const sessions = ["a", "b"].map((id) => e.taskState(id).session)
    expect(sessionNames(e.socket).filter((n) => sessions.includes(n))).toEqual([])
    for (const run of e.runs()) expect(pidAlive(run.pid)).toBe(false)
    expect(e.state()?.phase).toBe("stopped")
    expect(e.worktrees()).toHaveLength(3)
    // The tasks are shown stopped, not running with their agent gone; the next step is printed.
    const st = await cli(e, "--json", "status")
    const doc = JSON.parse(st.stdout) as {
      tasks: ReadonlyArray<{ id: string; status: string }>
      counts: Record<string, number>
    }
    expect(doc.tasks.map((t) => t.status)).toEqual(["stopped", "stopped"])
    expect(doc.counts["stopped"]).toBe(2)
    expect(r.stderr).toContain(`next: \`rekindle resume ${e.batchId} --force\``)
  }, 120_000)

  // Only the agent's pane is rekindle's: a window somebody opened in a task's session lives on, and so does the
  // session (an imported batch's host session lost its monitor window this way: test/import/HostSessions.test.ts).
  it("abort --hard stops the agent, not a window the user opened in its session", async () => {
    const e = make()
    e.manifest([e.task("a", "a [hang]")])
    const sup = e.supervisor()
    await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
    const session = e.taskState("a").session!
    const opened = tmux(e.socket, "new-window", "-P", "-F", "#{pane_pid}", "-t", `=${session}:`, "--", "sleep", "300")
    expect(opened.status).toBe(0)
    const userPid = Number(opened.stdout.trim())
    const r = await cli(e, "abort", "--hard", "--yes")
    expect(r.code).toBe(0)
    await sup.waitFor("ended stopped")
    expect(pidAlive(e.runs()[0]!.pid), "the agent is stopped").toBe(false)
    expect(pidAlive(userPid), "the user's window lives").toBe(true)
    expect(sessionNames(e.socket)).toContain(session)
  }, 120_000)

  it("restart under a supervisor: the old agent is gone, attempt 2 runs and is monitored to the end", async () => {
    const e = make()
    e.manifest([e.task("t", "t [steps:40] [sleep:0.5]")])
    const sup = e.supervisor()
    await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
    const first = e.runs()[0]!.pid
    const r = await cli(e, "restart", "t", "--yes")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("relaunched t (attempt 2)")
    expect(pidAlive(first)).toBe(false)
    await sup.waitFor("ended completed", 60_000)
    expect(e.runs().map((x) => x.attempt)).toEqual([1, 2])
    expect(git(e.repo, "show", "main:t.txt")).toBe("t (attempt 2)\n")
  }, 120_000)

  it("restart with no supervisor: relaunched here, and the command that supervises it is printed", async () => {
    const e = make()
    e.manifest([e.task("t", "t [hang]")])
    const sup = e.supervisor()
    await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
    await sup.kill9()
    const r = await cli(e, "restart", "t", "--yes")
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(`next: no supervisor watches t now: \`rekindle resume ${e.batchId} --detached\``)
    await pollUntil("attempt 2 to start", () => (e.runs().length === 2 ? true : undefined), 30_000)
    expect(e.runs().map((x) => x.attempt)).toEqual([1, 2])
    expect(pidAlive(e.runs()[0]!.pid)).toBe(false)
    expect(pidAlive(e.runs()[1]!.pid)).toBe(true)
  }, 120_000)

  describe("a supervisor SIGKILLed mid-request: the next supervisor finishes it exactly once", () => {
    it.each([
      { hangAt: "request:accepted:send", what: "accepted, nothing typed" },
      { hangAt: "prompt:after-send", what: "typed, the ledger still says intent" }
    ])(
      "send killed at $hangAt ($what): typed once after resume",
      async ({ hangAt }) => {
        const e = make()
        e.manifest([e.task("asker", "ask first [ask] [steps:2]")])
        const sup = e.supervisor({ hangAt })
        await waitingForInput(e, "asker")
        const sending = cli(e, "send", "asker", ANSWER)
        await sup.waitFor(`hung ${hangAt}`)
        await sup.kill9()
        const r = await sending
        expect(r.code).toBe(1)
        expect(r.stdout + r.stderr).toContain("E_REQUEST_PENDING")
        expect(requests(e)).toEqual([expect.objectContaining({ action: "send", status: "accepted" })])
        const resumed = await e.run(resume(e.ref))
        expect(resumed.state.phase).toBe("completed")
        expect(requests(e)).toEqual([expect.objectContaining({ action: "send", status: "done" })])
        expect(git(e.repo, "show", "main:asker.txt")).toBe(`asker (attempt 1): ${ANSWER}\n`)
        expect(linesOf(e, "asker", ANSWER)).toBe(1)
        expect(e.ranTasks()).toEqual(["asker"])
        expect(resumed.state.prompts.filter((p) => p.key.startsWith("request:"))).toHaveLength(1)
      },
      90_000
    )

    // Found by an outside tester: the same text sent twice, the supervisor SIGKILLed after the second one's intent
    // and before its typing. The next supervisor saw the first message in the pane, took it for the second, and
    // reported "typed into asker's pane" — the agent never got it.
    it("regression: the same text twice, killed between the second's intent and its typing: typed once more after resume", async () => {
      const e = make()
      e.manifest([e.task("asker", "ask first [ask] [hang]")])
      const sup = e.supervisor({ hangAt: "prompt:after-intent", occurrence: 2 })
      await waitingForInput(e, "asker")
      expect((await cli(e, "send", "asker", ANSWER)).code).toBe(0)
      await pollUntil(
        "the first answer in the pane log",
        () => (linesOf(e, "asker", ANSWER) === 1 ? true : undefined),
        30_000
      )
      const again = cli(e, "send", "asker", ANSWER)
      await sup.waitFor("hung prompt:after-intent")
      await sup.kill9()
      expect((await again).code).toBe(1)
      expect(linesOf(e, "asker", ANSWER), "the second was not typed before the kill").toBe(1)
      await e.run(resume(e.ref, { supervise: false }))
      await pollUntil(
        "the second answer in the pane log",
        () => (linesOf(e, "asker", ANSWER) === 2 ? true : undefined),
        30_000
      )
      expect(requests(e).map((r) => [r.action, r.status])).toEqual([
        ["send", "done"],
        ["send", "done"]
      ])
    }, 90_000)

    // Found by an outside tester: the abort landed once, but no batch-ended event reached `rekindle events` or the
    // notify program, while the same abort without the kill announced it.
    it("regression: abort killed once accepted: resume stops the batch once and announces batch-ended once", async () => {
      const e = make()
      e.manifest([e.task("t", "t [hang]")])
      const sup = e.supervisor({ hangAt: "request:accepted:abort" })
      await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
      const aborting = cli(e, "abort", "--hard", "--yes")
      await sup.waitFor("hung request:accepted:abort")
      await sup.kill9()
      expect((await aborting).code).toBe(1)
      const resumed = await e.run(resume(e.ref))
      expect(resumed.state.phase).toBe("stopped")
      expect(requests(e)).toEqual([expect.objectContaining({ action: "abort", status: "done" })])
      expect(pidAlive(e.runs()[0]!.pid)).toBe(false)
      const events = fs
        .readFileSync(nodePath.join(e.paths.dir, "notifications.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { kind: string; phase?: string })
      expect(events.filter((x) => x.kind === "batch-ended")).toEqual([
        expect.objectContaining({ kind: "batch-ended", phase: "stopped" })
      ])
    }, 90_000)

    it.each([
      { hangAt: "relaunch:before-launch", what: "old session stopped, nothing launched" },
      { hangAt: "relaunch:after-launch", what: "attempt 2 launched, not recorded" }
    ])(
      "restart killed at $hangAt ($what): exactly one relaunch after resume",
      async ({ hangAt }) => {
        const e = make()
        e.manifest([e.task("t", "t [steps:40] [sleep:0.5]")])
        const sup = e.supervisor({ hangAt })
        await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
        const restarting = cli(e, "restart", "t", "--yes")
        await sup.waitFor(`hung ${hangAt}`)
        await sup.kill9()
        expect((await restarting).code).toBe(1)
        expect(pidAlive(e.runs()[0]!.pid)).toBe(false)
        const resumed = await e.run(resume(e.ref))
        expect(resumed.state.phase).toBe("completed")
        expect(e.runs().map((x) => x.attempt)).toEqual([1, 2])
        expect(requests(e)).toEqual([expect.objectContaining({ action: "restart", status: "done" })])
        expect(git(e.repo, "show", "main:t.txt")).toBe("t (attempt 2)\n")
      },
      90_000
    )
  })
})
