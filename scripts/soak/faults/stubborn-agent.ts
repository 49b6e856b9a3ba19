#!/usr/bin/env node
/**
 * Fixture agent for the fault campaign's "agent hangs": it logs its start like the bundled fake
 * agent (REKINDLE_FAKE_AGENT_LOG), then hangs without a byte of output and ignores SIGHUP — so
 * killing its tmux session does not stop it (a wedged agent, or one started under nohup). Only
 * SIGTERM or SIGKILL ends it.
 */
import { appendFileSync } from "node:fs"

const log = process.env["REKINDLE_FAKE_AGENT_LOG"]
if (log !== undefined) {
  appendFileSync(
    log,
    `${JSON.stringify({ task: process.env["REKINDLE_TASK"] ?? "task", attempt: Number(process.env["REKINDLE_ATTEMPT"] ?? "1"), pid: process.pid, at: Date.now() })}\n`
  )
}
process.on("SIGHUP", () => {})
setInterval(() => {}, 60_000)
