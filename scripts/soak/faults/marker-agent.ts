#!/usr/bin/env node
/**
 * Fixture agent for the fault campaign's "done marker written while the agent still runs": it logs
 * its start like the bundled fake agent (REKINDLE_FAKE_AGENT_LOG), commits `<task>.txt`, leaves
 * `<task>-notes.txt` uncommitted, writes its done marker, and then keeps running for `[linger:S]`
 * seconds (default 2) printing output — as an interactive agent idling at its prompt after it
 * finished does — before it logs `exit` and exits 0. No `exit` line means something killed it.
 * Only argv arrays are spawned (git), never a shell.
 */
import { spawnSync } from "node:child_process"
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

const prompt = process.env["REKINDLE_PROMPT"] ?? ""
const task = process.env["REKINDLE_TASK"] ?? "task"
const attempt = Number(process.env["REKINDLE_ATTEMPT"] ?? "1")
const lingerMs = Number(/\[linger:([^\]]+)\]/.exec(prompt)?.[1] ?? 2) * 1000
const log = process.env["REKINDLE_FAKE_AGENT_LOG"]
const note = (event: string) => {
  if (log !== undefined)
    appendFileSync(log, `${JSON.stringify({ task, attempt, pid: process.pid, at: Date.now(), event })}\n`)
}
const git = (args: ReadonlyArray<string>) =>
  spawnSync("git", ["-c", "user.name=fake-agent", "-c", "user.email=fake-agent@rekindle.invalid", ...args], {
    stdio: "ignore"
  })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const main = async () => {
  note("start")
  process.stdout.write(`marker-agent ${task} attempt ${attempt}\n`)
  writeFileSync(`${task}.txt`, `${task} (attempt ${attempt})\n`)
  git(["add", "--", `${task}.txt`])
  git(["commit", "-q", "-m", `${task}: marker agent work`])
  writeFileSync(`${task}-notes.txt`, `${task}: notes the agent never committed\n`)
  const marker = process.env["REKINDLE_DONE_FILE"]
  if (marker !== undefined) {
    mkdirSync(dirname(marker), { recursive: true })
    writeFileSync(marker, JSON.stringify({ status: "succeeded", summary: `${task}: wrote ${task}.txt` }))
  }
  note("marker")
  const until = Date.now() + lingerMs
  while (Date.now() < until) {
    process.stdout.write("still here\n")
    await sleep(200)
  }
  note("exit")
}

void main()
