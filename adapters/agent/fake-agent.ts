#!/usr/bin/env node
/**
 * rekindle's bundled fake agent: a stand-in for Claude Code & co. in tests and `rekindle demo`.
 * It reads its prompt (argv after `--`, else REKINDLE_PROMPT), prints progress, writes and commits
 * files in its worktree (cwd), and writes the done marker (REKINDLE_DONE_FILE). Directives in the
 * prompt change what it does:
 *   [steps:N]        N progress steps (default 3)      [sleep:S]   seconds per step (default 0.2)
 *   [crash]          exit 1 after the first step        [exit:N]    exit N after the steps, no marker
 *   [hang]           never finish (keeps running)       [ask]       wait for one line on stdin first
 *   [file:NAME]      write NAME (default <task>.txt)    [fail]      marker with status "failed"
 *   [quiet]          print nothing (stall detection)
 * Every start is appended to REKINDLE_FAKE_AGENT_LOG (one JSON line: task, attempt, pid) so tests
 * can count how often a task ran. Only argv arrays are spawned (git), never a shell.
 */
import { spawnSync } from "node:child_process"
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { createInterface } from "node:readline"

const dashes = process.argv.indexOf("--")
const prompt = dashes >= 0 ? process.argv.slice(dashes + 1).join(" ") : (process.env["REKINDLE_PROMPT"] ?? "")
const task = process.env["REKINDLE_TASK"] ?? "task"
const attempt = process.env["REKINDLE_ATTEMPT"] ?? "1"
const has = (name: string) => prompt.includes(`[${name}]`)
const arg = (name: string): string | undefined => new RegExp(`\\[${name}:([^\\]]+)\\]`).exec(prompt)?.[1]
const steps = Number(arg("steps") ?? 3)
const sleepMs = Number(arg("sleep") ?? 0.2) * 1000
const say = (line: string) => {
  if (!has("quiet")) process.stdout.write(`${line}\n`)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const log = process.env["REKINDLE_FAKE_AGENT_LOG"]
if (log !== undefined)
  appendFileSync(log, `${JSON.stringify({ task, attempt: Number(attempt), pid: process.pid, at: Date.now() })}\n`)

const git = (args: ReadonlyArray<string>) =>
  spawnSync("git", ["-c", "user.name=fake-agent", "-c", "user.email=fake-agent@rekindle.invalid", ...args], {
    stdio: "ignore"
  })

const waitForLine = () =>
  new Promise<string>((resolve) => {
    const rl = createInterface({ input: process.stdin })
    say("? waiting for input")
    rl.once("line", (line) => {
      rl.close()
      resolve(line)
    })
  })

const main = async () => {
  say(
    `fake-agent ${task} attempt ${attempt}: ${prompt
      .replace(/\[[^\]]*\]/g, "")
      .trim()
      .slice(0, 80)}`
  )
  const answer = has("ask") ? await waitForLine() : undefined
  if (answer !== undefined) say(`got answer: ${answer}`)
  for (let i = 1; i <= steps; i++) {
    await sleep(sleepMs)
    say(`step ${i}/${steps}`)
    if (has("crash")) process.exit(1)
  }
  if (has("hang")) {
    say("hanging")
    for (;;) await sleep(60_000)
  }
  const exit = arg("exit")
  if (exit !== undefined) process.exit(Number(exit))
  const file = arg("file") ?? `${task}.txt`
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${task} (attempt ${attempt})${answer === undefined ? "" : `: ${answer}`}\n`)
  git(["add", "-A"])
  git(["commit", "-q", "-m", `${task}: fake agent work`])
  const marker = process.env["REKINDLE_DONE_FILE"]
  if (marker !== undefined) {
    // Private like every file under .rekindle (whatever the umask): 0700 directory, 0600 file.
    mkdirSync(dirname(marker), { recursive: true, mode: 0o700 })
    writeFileSync(
      marker,
      JSON.stringify({ status: has("fail") ? "failed" : "succeeded", summary: `${task}: wrote ${file}` }),
      { mode: 0o600 }
    )
  }
  say("done")
}

void main()
