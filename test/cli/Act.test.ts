/**
 * Commands that act, in-process over the FakeWorld: resume (foreground, dry run, detached through the
 * readiness protocol, interactive attach), restart, abort and repair with their confirmation rules,
 * attach, logs, run and doctor — outcomes in the world, documents on stdout, exit codes.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { batchPaths } from "../../core/domain/Layout.ts"
import { Tmux } from "../../core/ports/Tmux.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { crashed } from "./scenario.ts"
import { CliHarness } from "./harness.ts"
import { readState, REPO } from "../support/world.ts"

describe("resume", () => {
  it("foreground (not a terminal): recovers, runs the remaining waves, prints the result and progress on stderr", async () => {
    const h = await crashed()
    const r = await h.run("resume")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatchSnapshot()
    expect(r.stderr).toContain("✓ relaunched b (attempt 2, fresh)")
    expect(r.stderr).toContain("wave 2/2 started: c")
    expect((await readState(h.world)).phase).toBe("completed")
    expect(h.world.agents.launchesOf("b")).toHaveLength(2)
    expect(h.world.agents.launchesOf("a")).toHaveLength(1)
  })
  it("--json: one document, progress only on stderr", async () => {
    const h = await crashed()
    const r = await h.json("resume")
    expect(r.code).toBe(0)
    expect(r.doc.outcome).toBe("resume_create")
    expect(r.doc.phase).toBe("completed")
    expect(r.doc.steps.map((s: { _tag: string }) => s._tag)).toEqual([
      "Reattach",
      "StopSession",
      "RelaunchAgent",
      "ContinueFromWave"
    ])
  })
  it("on a terminal stderr gets one live status line (rewritten in place), finished with a newline", async () => {
    const h = await crashed()
    h.term.stderrIsTTY = true
    h.term.env = { NO_COLOR: "1" }
    const r = await h.run("resume")
    expect(r.code).toBe(0)
    const frames = r.stderr.split("\r\u001b[K").filter((f) => f !== "")
    expect(frames.length).toBeGreaterThan(3)
    expect(frames.every((f) => !f.slice(0, -1).includes("\n"))).toBe(true)
    expect(frames.at(-1)).toMatch(
      /^resume · \d+ journaled step\(s\) done · wave 2\/2 · 0 running, \d+ done, 0 failed · merge: wave 2 succeeded\n$/
    )
  })
  it("--dry-run prints the plan and changes nothing", async () => {
    const h = await crashed()
    const state = await h.read(batchPaths(REPO, "b1").state)
    const r = await h.json("resume", "--dry-run")
    expect(r.code).toBe(0)
    expect(r.doc.plan.steps).toHaveLength(4)
    expect(await h.read(batchPaths(REPO, "b1").state)).toBe(state)
    expect(h.world.agents.launches).toHaveLength(2)
  })
  it("--detached: a background supervisor speaks one readiness line; the command reports it", async () => {
    const h = await crashed()
    const r = await h.json("resume", "--detached")
    expect(r.code).toBe(0)
    expect(r.doc).toEqual({
      batchId: "b1",
      running: true,
      supervisor: { pid: 4242, log: `${REPO}/.rekindle/b1/supervisor.log` },
      phase: null
    })
    expect(h.supervisors).toHaveLength(1)
    expect(h.supervisors[0]!.argv).toEqual(["resume", "b1", "--as-supervisor"])
    const child = h.supervisors[0]!.result
    expect(child.stdout.trim().split("\n")).toEqual(['{"ready":{"batchId":"b1"}}'])
    expect((await readState(h.world)).phase).toBe("completed")
    expect(h.attached).toEqual([])
  })
  it("a background supervisor that fails before its work answers with one error line too", async () => {
    const h = await crashed()
    const r = await h.run("resume", "zzz", "--as-supervisor")
    expect(r.code).toBe(1)
    expect(r.stdout.split("\n")).toEqual([expect.stringMatching(/^\{"error":\{"code":"E_NO_STATE",/), ""])
    expect(r.stderr).toContain("error[E_NO_STATE]")
    const done = await crashed()
    expect((await done.run("resume")).code).toBe(0)
    const late = await done.run("resume", "b1", "--as-supervisor")
    expect(late.stdout).toMatch(/^\{"error":\{"code":"E_NOT_RESUMABLE",[^\n]*\}\n$/)
  })
  it("interactive: background supervisor, then attach (switch-client inside that tmux server)", async () => {
    const h = await crashed()
    h.term.supervisor = "ready-only" // the supervisor "runs" elsewhere: task a is still running
    h.term.stdinIsTTY = h.term.stdoutIsTTY = h.term.stderrIsTTY = true
    h.term.env = { TMUX: "/tmp/tmux-0/default,1,0" }
    const r = await h.run("resume")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("supervisor pid 4242 runs it in the background")
    expect(h.supervisors.map((s) => s.argv)).toEqual([["resume", "b1", "--as-supervisor"]])
    expect(h.attached).toEqual([["tmux", "-u", "switch-client", "-t", "=rk-b1-a"]])
    h.term.env = {}
    await h.run("resume")
    expect(h.attached[1]).toEqual(["tmux", "-u", "attach-session", "-t", "=rk-b1-a"])
    await h.run("resume", "--detached")
    expect(h.attached).toHaveLength(2)
  })
  it("a second supervisor is refused with E_LOCKED and the owner", async () => {
    const h = await crashed()
    const { acquireLease } = await import("../../core/engine/support/SupervisorLease.ts")
    await h.world.run(acquireLease(batchPaths(REPO, "b1").lease))
    const owner = h.world.supervisor.pid
    h.world.supervisor = h.world.procs.spawn(["rekindle", "other"])
    const r = await h.json("resume")
    expect([r.code, r.doc.error.code, r.doc.error.details.owner.pid]).toEqual([1, "E_LOCKED", owner])
    const detached = await h.json("resume", "--detached")
    expect([detached.code, detached.doc.error.code]).toEqual([1, "E_LOCKED"])
  })
})

describe("restart", () => {
  it("without a terminal and without --yes: E_CONFIRMATION_REQUIRED, nothing changed", async () => {
    const h = await crashed()
    const r = await h.run("restart", "a")
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("error[E_CONFIRMATION_REQUIRED]")
    expect(h.world.agents.launchesOf("a")).toHaveLength(1)
  })
  it("on a terminal it asks; no → exit 0 and nothing changed; yes → restarted", async () => {
    const h = await crashed()
    h.term.stdinIsTTY = h.term.stderrIsTTY = true
    h.term.answers = [false, true]
    const no = await h.json("restart", "a")
    expect([no.code, no.doc]).toEqual([0, { declined: true, command: "restart", batchId: "b1" }])
    expect(h.world.agents.launchesOf("a")).toHaveLength(1)
    const yes = await h.run("restart", "a")
    expect(yes.code).toBe(0)
    expect(h.asked).toHaveLength(2)
    expect(h.world.agents.launchesOf("a")).toHaveLength(2)
    expect(yes.stdout).toMatchSnapshot()
  })
  it("--yes needs no terminal; asks nothing", async () => {
    const h = await crashed()
    const r = await h.json("restart", "a", "--yes")
    expect([r.code, r.doc.outcome]).toEqual([0, "resume_restart"])
    expect(h.asked).toEqual([])
  })
  it("only stdin a terminal (stderr redirected) is not enough to ask", async () => {
    const h = await crashed()
    h.term.stdinIsTTY = true
    expect((await h.json("restart", "a")).doc.error.code).toBe("E_CONFIRMATION_REQUIRED")
    expect(h.asked).toEqual([])
  })
})

describe("abort", () => {
  it("graceful abort needs no confirmation; keeps state; resume then needs --force", async () => {
    const h = await crashed()
    const r = await h.run("abort", "--grace", "1")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatchSnapshot()
    expect((await readState(h.world)).phase).toBe("stopped")
    expect((await h.json("resume")).doc.error.code).toBe("E_NOT_RESUMABLE")
  })
  it("--hard asks on a terminal (no → exit 0, nothing stopped), else needs --yes", async () => {
    const h = await crashed()
    expect((await h.json("abort", "--hard")).doc.error.code).toBe("E_CONFIRMATION_REQUIRED")
    h.term.stdinIsTTY = h.term.stderrIsTTY = true
    h.term.env = { NO_COLOR: "1" }
    const no = await h.run("abort", "--hard")
    expect([no.code, no.stdout, no.stderr]).toEqual([0, "", "abort: not confirmed; nothing changed\n"])
    expect(h.world.agents.liveOf("a")).toHaveLength(1)
    h.term.stdinIsTTY = h.term.stderrIsTTY = false
    const yes = await h.json("abort", "--hard", "--yes")
    expect([yes.code, yes.doc.hard, yes.doc.stopped]).toEqual([0, true, ["a", "b"]])
    expect(h.world.agents.liveOf("a")).toHaveLength(0)
  })
})

describe("attach", () => {
  it("--json prints the tmux command; a terminal runs it; without one E_USAGE", async () => {
    const h = await crashed()
    const j = await h.json("attach", "a")
    expect(j.doc).toEqual({
      batchId: "b1",
      taskId: "a",
      session: "rk-b1-a",
      command: ["tmux", "-u", "attach-session", "-t", "=rk-b1-a"]
    })
    const pipe = await h.json("attach", "a").then(() => h.run("attach", "a"))
    expect(pipe.code).toBe(2)
    h.term.stdinIsTTY = h.term.stdoutIsTTY = true
    const attached = await h.run("attach", "a")
    expect(attached.code).toBe(0)
    expect(h.attached).toEqual([["tmux", "-u", "attach-session", "-t", "=rk-b1-a"]])
    // Warned before (Ctrl-C reaches the agent), told after: the task's outcome and what next.
    expect(attached.stderr).toContain("Ctrl-C goes to the agent")
    expect(attached.stderr).toMatch(/a: running \(attempt 1\)/)
    expect(attached.stderr).toContain("next: `rekindle attach a` looks again")
  })
  it("a task without a live session: E_TMUX_UNAVAILABLE with a hint", async () => {
    const h = await crashed()
    const r = await h.json("attach", "c")
    expect([r.code, r.doc.error.code]).toEqual([1, "E_TMUX_UNAVAILABLE"])
  })
})

describe("logs", () => {
  it("prints the pane log; --json as a document; a task with no output yet is not an error", async () => {
    const h = await crashed()
    await h.write(batchPaths(REPO, "b1").log("a"), "line 1\nline 2\n")
    const r = await h.run("logs", "a")
    expect([r.code, r.stdout]).toEqual([0, "line 1\nline 2\n"])
    const j = await h.json("logs", "a")
    expect(j.doc).toEqual({
      batchId: "b1",
      taskId: "a",
      path: batchPaths(REPO, "b1").log("a"),
      size: 14,
      text: "line 1\nline 2\n"
    })
    const none = await h.run("logs", "c")
    expect([none.code, none.stdout]).toEqual([0, ""])
  })
  it("--bytes keeps whole lines; --follow prints until the pane ends; --follow --json is a usage error", async () => {
    const h = await crashed()
    await h.write(batchPaths(REPO, "b1").log("a"), "first line\nsecond\npartial")
    expect((await h.run("logs", "a", "--bytes", "14")).stdout).toBe("second\npartial\n")
    expect((await h.run("logs", "a", "--bytes", "13")).stdout).toBe("partial\n")
    const f = await h.run("logs", "a", "--follow")
    expect([f.code, f.stdout]).toEqual([0, "first line\nsecond\npartial\n"])
    expect(h.world.agents.liveOf("a")).toHaveLength(0) // followed until the agent ended
    expect((await h.json("logs", "a", "--follow")).doc.error.code).toBe("E_USAGE")
  })
})

describe("run", () => {
  const manifest = (tasks: ReadonlyArray<{ id: string; dependsOn?: Array<string> }>) =>
    JSON.stringify({
      tasks: tasks.map((t) => ({ agent: "shell", prompt: `do ${t.id}`, command: ["agent"], ...t })),
      options: { batchId: "r1" }
    })

  it("a manifest runs to completion in the foreground (exit 0, RunOutput)", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "hi\n" })
    for (const id of ["x", "y"]) h.world.agents.scripts.set(id, "succeed")
    await h.write(`${REPO}/m.json`, manifest([{ id: "x" }, { id: "y", dependsOn: ["x"] }]))
    const r = await h.json("run", "m.json")
    expect(r.code).toBe(0)
    expect(r.doc).toEqual({
      batchId: "r1",
      phase: "completed",
      tasks: [
        { id: "x", status: "succeeded", attempts: 1, exitReason: expect.any(String) },
        { id: "y", status: "succeeded", attempts: 1, exitReason: expect.any(String) }
      ]
    })
  })
  it("--detached: the background supervisor runs the manifest and announces readiness", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "hi\n" })
    h.world.agents.scripts.set("x", "succeed")
    await h.write(`${REPO}/m.json`, manifest([{ id: "x" }]))
    const r = await h.json("run", "m.json", "--detached")
    expect([r.code, r.doc.batchId, r.doc.running]).toEqual([0, "r1", true])
    expect(h.supervisors[0]!.argv).toEqual(["run", `${REPO}/m.json`, "--batch-id", "r1", "--as-supervisor"])
    expect(h.supervisors[0]!.result.stdout).toBe('{"ready":{"batchId":"r1"}}\n')
    expect((await h.json("status", "r1")).doc.phase).toBe("completed")
  })
  it("every manifest problem at once: E_INVALID_MANIFEST", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "hi\n" })
    await h.write(`${REPO}/m.json`, manifest([{ id: "x", dependsOn: ["nope"] }, { id: "-bad" }]))
    const r = await h.json("run", "m.json")
    expect([r.code, r.doc.error.code]).toEqual([1, "E_INVALID_MANIFEST"])
    expect(r.doc.error.details.problems.length).toBeGreaterThanOrEqual(2)
  })
})

describe("doctor", () => {
  it("all required checks pass → 0; a missing tmux → the report, then exit 1", async () => {
    const h = await crashed()
    h.term.probes = {
      tmux: { exitCode: 0, stdout: "tmux 3.3a\n", stderr: "" },
      git: { exitCode: 0, stdout: "git version 2.39.5\n", stderr: "" }
    }
    h.term.onPath = { claude: "/usr/bin/claude" }
    const ok = await h.run("doctor")
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatchSnapshot()
    delete h.term.probes["tmux"]
    const bad = await h.json("doctor")
    expect([bad.code, bad.doc.ok]).toEqual([1, false])
    expect(bad.doc.checks[0]).toEqual({ name: "tmux", status: "fail", detail: "tmux not found on PATH" })
  })
  it("an unreachable tmux socket fails doctor", async () => {
    const h = await crashed()
    h.term.probes = {
      tmux: { exitCode: 0, stdout: "tmux 3.3a\n", stderr: "" },
      git: { exitCode: 0, stdout: "git version 2.39.5\n", stderr: "" }
    }
    h.world.makeServerUnreachable(true)
    const r = await h.json("doctor")
    expect(r.code).toBe(1)
    expect(r.doc.checks.find((c: { name: string }) => c.name.startsWith("tmux socket")).status).toBe("fail")
  })
})

describe("repair", () => {
  /** A worktree and a session tagged for b1 that no task of the state knows. */
  const orphans = (h: CliHarness) =>
    h.world.run(
      Effect.gen(function* () {
        yield* (yield* Worktrees).add(REPO, {
          path: `${REPO}/.rekindle/worktrees/b1/zzz`,
          branch: "rekindle/b1/zzz",
          base: "main"
        })
        yield* (yield* Tmux).newSession({ name: "rk-b1-zzz", cwd: REPO, argv: ["agent"], taskTag: "b1/zzz" })
      })
    )
  const sessions = (h: CliHarness) =>
    h.world.run(
      Effect.gen(function* () {
        const s = yield* (yield* Tmux).snapshot
        return s.state === "up" ? s.panes.map((p) => p.sessionName).sort() : []
      })
    )

  it("--dry-run lists the findings and the steps and changes nothing", async () => {
    const h = await crashed()
    await orphans(h)
    const before = await sessions(h)
    const r = await h.run("repair", "--dry-run")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatchSnapshot()
    const j = await h.json("repair", "--dry-run")
    expect([j.doc.dryRun, j.doc.applied, j.doc.removals > 0]).toEqual([true, false, true])
    expect(await sessions(h)).toEqual(before)
  })
  it("removals: refused without a terminal, asked on one (no → exit 0, nothing removed), --yes carries them out", async () => {
    const h = await crashed()
    await orphans(h)
    expect((await h.json("repair")).doc.error.code).toBe("E_CONFIRMATION_REQUIRED")
    h.term.stdinIsTTY = h.term.stderrIsTTY = true
    h.term.answers = [false]
    const no = await h.run("repair")
    expect(no.code).toBe(0)
    expect(no.stderr).toContain("repair would:")
    expect(await sessions(h)).toContain("rk-b1-zzz")
    h.term.stdinIsTTY = h.term.stderrIsTTY = false
    const yes = await h.json("repair", "--yes")
    expect([yes.code, yes.doc.applied]).toEqual([0, true])
    expect(await sessions(h)).not.toContain("rk-b1-zzz")
    const left = (await h.json("repair", "--dry-run")).doc.orphans.map((o: { kind: string }) => o.kind)
    expect(left).not.toContain("session")
    expect(left).not.toContain("worktree")
  })
  it("nothing to repair needs no confirmation; --all with no batch state at all", async () => {
    const h = await crashed()
    expect((await h.run("repair")).stdout).toBe("repair (batch b1): nothing to repair\n")
    const empty = new CliHarness()
    empty.world.git.initRepo(REPO)
    const all = await empty.json("repair", "--all")
    expect([all.code, all.doc.batches, all.doc.orphans]).toEqual([0, [], []])
  })
})

describe("tmux socket selection", () => {
  it("the state is read first; then the batch's recorded socket is used, unless --socket overrides it", async () => {
    const h = await crashed(new FakeWorld({ socket: "rk-sock" }))
    const { saveState } = await import("../../core/engine/support/StateIO.ts")
    const s = await readState(h.world)
    await h.world.run(
      saveState(
        {
          ...s,
          options: {
            maxLanes: 2,
            failurePolicy: "stop-wave",
            mergeFailurePolicy: "pause",
            stallTimeoutMs: 1,
            relaunchCap: 1,
            tmuxSocket: "rk-sock"
          }
        },
        0
      )
    )
    const recorded = await h.json("attach", "a")
    expect(recorded.doc.command).toEqual(["tmux", "-u", "-L", "rk-sock", "attach-session", "-t", "=rk-b1-a"])
    expect(h.sockets).toEqual([undefined, "rk-sock"])
    // Another socket has no server: the batch's sessions are not there.
    const other = await h.json("attach", "a", "--socket", "other")
    expect(other.doc.error.code).toBe("E_TMUX_UNAVAILABLE")
    expect(h.sockets.slice(2)).toEqual(["other", "other"])
  })
})
