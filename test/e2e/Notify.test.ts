/**
 * Notifications on real tmux + git: the manifest's `options.notify` program (an argv; here a node
 * script appending its stdin to a file) receives one JSON event per run — a task waiting for input,
 * failed, succeeded, and the batch's end — and `rekindle events` prints the same lines.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { e2eHooks } from "../support/real/e2e.ts"
import { pollUntil } from "../support/real/poll.ts"
import { killServer } from "../support/real/socket.ts"

const CLI = nodePath.resolve(import.meta.dirname, "../../cli/main.ts")
/** Each run appends exactly what it read on stdin to the file named by its argument. */
const APPEND_STDIN = `require("fs").appendFileSync(process.argv[1], require("fs").readFileSync(0))`

describe("options.notify and rekindle events (real tmux + git)", () => {
  const make = e2eHooks(afterEach)

  it("the notify program gets each event on stdin; events prints the same JSON lines", async () => {
    const e = make()
    const received = nodePath.join(e.dir, "notified.jsonl")
    e.manifest(
      [e.task("asker", "ask first [ask] [steps:1]"), e.task("ok", "fine [steps:1]"), e.task("bad", "breaks [exit:3]")],
      { notify: [process.execPath, "-e", APPEND_STDIN, received] }
    )
    const sup = e.supervisor()
    const kinds = () =>
      (fs.existsSync(received) ? fs.readFileSync(received, "utf8") : "")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { kind: string; taskId?: string; exitStatus?: number; phase?: string })
    await pollUntil(
      "the waiting-for-input notification",
      () => (kinds().some((k) => k.kind === "task-waiting-for-input" && k.taskId === "asker") ? true : undefined),
      30_000
    )
    const answered = e.node([CLI, "--repo", e.repo, "--socket", e.socket, "send", "asker", "yes"])
    expect(await answered.exited).toBe(0)
    await sup.waitFor("ended paused")
    const got = kinds()
    expect(got.filter((k) => k.kind === "task-waiting-for-input").map((k) => k.taskId)).toEqual(["asker"])
    expect(
      got
        .filter((k) => k.kind === "task-succeeded")
        .map((k) => k.taskId)
        .sort()
    ).toEqual(["asker", "ok"])
    expect(got.filter((k) => k.kind === "task-failed")).toEqual([
      expect.objectContaining({ taskId: "bad", exitStatus: 3 })
    ])
    expect(got.at(-1)).toEqual(expect.objectContaining({ kind: "batch-ended", phase: "paused" }))
    // `rekindle events` prints exactly what the program received.
    const ev = e.node([CLI, "--repo", e.repo, "--socket", e.socket, "events"])
    expect(await ev.exited).toBe(0)
    expect(ev.stdout()).toBe(fs.readFileSync(received, "utf8"))
  }, 90_000)

  // Found by outside eyes: a task the supervisor failed because its relaunch cap was reached (its session killed from
  // outside) published no task-failed event; only batch-ended reached the notify program.
  it("regression: a task failed by the relaunch cap after its tmux server was killed gets its task-failed event", async () => {
    const e = make()
    const received = nodePath.join(e.dir, "notified.jsonl")
    e.manifest([e.task("s1", "s1 [hang]")], {
      relaunchCap: 0,
      notify: [process.execPath, "-e", APPEND_STDIN, received]
    })
    const sup = e.supervisor()
    await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
    killServer(e.socket)
    await sup.waitFor("ended paused")
    const got = fs
      .readFileSync(received, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { kind: string; taskId?: string; reason?: string })
    expect(got.filter((k) => k.kind === "task-failed")).toEqual([
      expect.objectContaining({ taskId: "s1", reason: expect.stringContaining("relaunch cap reached") })
    ])
    expect(got.at(-1)).toEqual(expect.objectContaining({ kind: "batch-ended" }))
  }, 90_000)
})
