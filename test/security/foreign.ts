/**
 * rekindle never kills a process it did not start. On a real crashed batch (tasks `a` and `ab`, whose
 * session names prefix each other), both tasks' recorded agent identity is rewritten to an unrelated
 * live process (`sleep`, started here) with a wrong start time — a pid reused since launch — and
 * `ab`'s session is killed by hand so recovery has to stop and relaunch it. A user's own session
 * named like a prefix of rekindle's (`rk-e2e`) sits on the same server. Then repair, abort and resume
 * run through the real CLI; after each, the unrelated process and the user's session must be alive.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { crashedBatch } from "../support/real/cli.ts"
import { until } from "../support/real/poll.ts"
import { sessionNames as sessions, tmux } from "../support/real/socket.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { pidAlive } from "../support/real/poll.ts"
import { runCli } from "./cli.ts"

/** The commands run, in order (abort stops the batch, so resume needs --force). */
export const FOREIGN_COMMANDS: ReadonlyArray<ReadonlyArray<string>> = [
  ["repair", "--yes"],
  ["abort", "--hard", "--yes"],
  ["resume", "--force", "--detached"]
]

/** What the foreign-process run counted. */
export interface ForeignReport {
  /** Commands run. */
  readonly commands: number
  /** Commands after which the unrelated process was dead (violations). */
  readonly foreignKilled: ReadonlyArray<string>
  /** Commands after which the user's own session was gone (violations). */
  readonly userSessionKilled: ReadonlyArray<string>
  /** Commands that failed (any E_ code): the scenario expects each to succeed. */
  readonly failed: ReadonlyArray<string>
}

/** Run `commands` (a prefix of {@link FOREIGN_COMMANDS}) against the rewritten batch. */
export const foreignProcess = async (
  commands: ReadonlyArray<ReadonlyArray<string>> = FOREIGN_COMMANDS
): Promise<ForeignReport> => {
  const b = await crashedBatch([{ id: "a" }, { id: "ab" }])
  const foreign = spawn("sleep", ["120"], { stdio: "ignore" })
  const killedAfter: Array<string> = []
  const userGone: Array<string> = []
  const failed: Array<string> = []
  try {
    const pid = foreign.pid!
    const statePath = batchPaths(b.repo, b.batchId).state
    const doc = JSON.parse(fs.readFileSync(statePath, "utf8")) as {
      tasks: Array<{ id: string; session?: string; agentProcess?: unknown }>
    }
    // Same pid and host, another start time: what a pid reused by an unrelated process looks like.
    for (const t of doc.tasks) t.agentProcess = { pid, startTime: "1", host: os.hostname() }
    fs.writeFileSync(statePath, JSON.stringify(doc))
    tmux(b.socket, "kill-session", "-t", `=${doc.tasks.find((t) => t.id === "ab")!.session}`)
    tmux(b.socket, "new-session", "-d", "-s", "rk-e2e", "cat", "-")
    for (const command of commands) {
      const label = command.join(" ")
      const r = await runCli([...command, "--json", "--repo", b.repo], b.repo)
      if (r.code !== 0) failed.push(`${label}: exit ${r.code} ${r.stdout.slice(0, 300)}${r.stderr.slice(0, 300)}`)
      if (command[0] === "resume" && r.code === 0) {
        // The background supervisor relaunches both tasks; judge once it has (or after the deadline).
        await until("the relaunch of a and ab", 30_000, () =>
          ["rk-e2e-a", "rk-e2e-ab"].every((s) => sessions(b.socket).includes(s))
        ).catch(() => {
          failed.push(`${label}: the tasks were not relaunched`)
        })
      }
      if (!pidAlive(pid)) killedAfter.push(label)
      if (!sessions(b.socket).includes("rk-e2e")) userGone.push(label)
    }
    return { commands: commands.length, foreignKilled: killedAfter, userSessionKilled: userGone, failed }
  } finally {
    foreign.kill("SIGKILL")
    b.cleanup()
  }
}
