/**
 * Scenario 3 — a user's own (untagged) tmux session whose name equals a task's session name.
 * README: "only what rekindle owns is touched | exact tmux targets, ownership tag, names under
 * `rekindle/` …"; task sessions are `rk-<batch>-<task>`. A user session that merely has that name
 * carries no ownership tag: it must never be adopted, stopped or killed — by run, plan, resume,
 * abort --hard or repair. The batch either runs its task under another (unique) session or refuses
 * clearly, naming the session.
 */
import * as crypto from "node:crypto"
import { describe, expect, test } from "vitest"
import { FULL, type World, alive, cmdline, withWorld } from "./cli.ts"

const REPEAT = FULL ? 3 : 1

const ymd = (d: Date, utc: boolean): string => {
  const y = utc ? d.getUTCFullYear() : d.getFullYear()
  const m = (utc ? d.getUTCMonth() : d.getMonth()) + 1
  const day = utc ? d.getUTCDate() : d.getDate()
  return `${y}${String(m).padStart(2, "0")}${String(day).padStart(2, "0")}`
}

interface UserSession {
  readonly name: string
  readonly pid: number
}

const startUserSession = (w: World, name: string): UserSession => {
  const r = w.tmux(["new-session", "-d", "-s", name, "-x", "80", "-y", "24", "sleep", "300"])
  if (r.code !== 0) throw new Error(`could not create the user session ${name}: ${r.stderr}`)
  const pane = w.panes().find((p) => p.session === name)
  if (pane === undefined) throw new Error(`user session ${name} has no pane`)
  w.note(`user session ${name} runs sleep 300 as pid ${pane.pid}`)
  return { name, pid: pane.pid }
}

const expectUntouched = (w: World, users: ReadonlyArray<UserSession>, when: string): void => {
  for (const u of users) {
    expect(w.tmux(["has-session", "-t", `=${u.name}`]).code, `${when}: user session ${u.name} still exists`).toBe(0)
    expect(alive(u.pid), `${when}: the user's sleep 300 (pid ${u.pid}) is alive`).toBe(true)
    expect(cmdline(u.pid), `${when}: pid ${u.pid} is still the user's sleep`).toContain("sleep 300")
    const pane = w.panes().find((p) => p.session === u.name)
    expect(pane?.pid, `${when}: ${u.name}'s pane is the user's, not a relaunched one`).toBe(u.pid)
    expect(pane?.tag ?? "", `${when}: ${u.name} was not tagged (adopted) by rekindle`).toBe("")
  }
}

const scenario = async (w: World, explicitBatch: boolean): Promise<void> => {
  const task = "work"
  const batchId = `bbu${crypto.randomBytes(3).toString("hex")}`
  const now = new Date()
  const names = explicitBatch
    ? [`rk-${batchId}-${task}`]
    : // a generated batch id cannot be predicted whole: take the plausible date-prefixed names
      [...new Set([`rk-${ymd(now, false)}-${task}`, `rk-${ymd(now, true)}-${task}`])]
  const users = names.map((n) => startUserSession(w, n))
  const manifest = w.manifest("user.json", [{ id: task, a: 5, b: 0.1 }], explicitBatch ? { batchId } : {})

  const run = await w.cli(["run", manifest, "--json"], 45_000)
  expect(run.timedOut, "run finished (it did not wait on the user's session as if it were the agent)").toBe(false)
  expectUntouched(w, users, "after run")
  if (run.code === 0) {
    // it ran under another session: the agent really started once and its work was merged
    expect(w.count("start", task), "the task's agent started once").toBe(1)
    expect(w.count("done", task), "the task's agent finished").toBe(1)
    expect(w.filesOn("main"), "the task's work is merged").toContain(`out---${task}.txt`)
  } else {
    // a refusal must be clear: it names the conflicting session
    const out = `${run.stdout}\n${run.stderr}`
    expect(
      users.some((u) => out.includes(u.name)),
      `run refused (exit ${run.code}); its message names the conflicting session (${names.join(", ")})`
    ).toBe(true)
  }

  // every follow-up command a user would try: none may adopt, stop or kill the user's session
  const followUps: ReadonlyArray<ReadonlyArray<string>> = [
    ["plan"],
    ["resume", "--json"],
    ["abort", "--hard", "--yes"],
    ["repair", "--yes"],
    ["repair", "--all", "--yes"]
  ]
  for (const args of followUps) {
    const r = await w.cli(args, 30_000)
    w.note(`${args.join(" ")} → ${r.code}${r.timedOut ? " (timed out, killed)" : ""}`)
    expectUntouched(w, users, `after ${args.join(" ")}`)
  }
  expect(w.count("start", task), "the task's agent never started more than once").toBeLessThanOrEqual(1)
}

describe("black-box: a user's tmux session", () => {
  for (let round = 1; round <= REPEAT; round++) {
    const suffix = REPEAT > 1 ? ` (round ${round})` : ""
    test(
      `regression: a user's own tmux session named like a task session is never touched — explicit batch id${suffix}`,
      { timeout: 120_000 },
      () => withWorld("user-session", (w) => scenario(w, true))
    )
    test(
      `regression: a user's own tmux session named like a task session is never touched — generated batch id${suffix}`,
      { timeout: 120_000 },
      () => withWorld("user-session-gen", (w) => scenario(w, false))
    )
  }
})
