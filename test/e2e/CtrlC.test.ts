/**
 * Ctrl-C on a real terminal: the CLI runs in a pane of a second private tmux server (a real pty), the
 * test types C-c there. At a [y/N] question it exits 130 and changes nothing; during a foreground
 * `resume --json` it exits 130 with one `interrupted` document naming what still runs.
 */
import { afterEach, describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { e2eHooks, type E2E } from "../support/real/e2e.ts"
import { pidAlive, pollUntil } from "../support/real/poll.ts"
import { freshSocket, killServer, tmux } from "../support/real/socket.ts"

const CLI = nodePath.resolve(import.meta.dirname, "../../cli/main.ts")

/** Run the CLI in a pane of its own tmux server (a terminal); returns helpers on that pane. */
const terminal = (e: E2E, terms: Array<string>, ...args: ReadonlyArray<string>) => {
  const term = freshSocket()
  terms.push(term)
  const argv = [process.execPath, CLI, "--repo", e.repo, "--socket", e.socket, ...args]
  expect(tmux(term, "new-session", "-d", "-s", "t", "-x", "200", "-y", "50", "--", ...argv).status).toBe(0)
  tmux(term, "set-option", "-t", "=t:", "remain-on-exit", "on")
  const screen = () => tmux(term, "capture-pane", "-p", "-J", "-t", "=t:").stdout
  return {
    screen,
    waitFor: (text: string) =>
      pollUntil(`"${text}" on the terminal`, () => (screen().includes(text) ? true : undefined), 30_000),
    ctrlC: () => tmux(term, "send-keys", "-t", "=t:", "C-c"),
    exitStatus: () => {
      const pid = Number(tmux(term, "display-message", "-p", "-t", "=t:", "#{pane_pid}").stdout.trim())
      return pollUntil(
        "the CLI to exit",
        () => {
          // A zombie's exit status is in /proc/<pid>/stat: tmux 3.3 sometimes leaves the CLI's zombie unreaped
          // for many seconds (measured: still unreaped after 30 s), so its pane_dead_status stays empty.
          const zombie = zombieExitStatus(pid)
          if (zombie !== undefined) return zombie
          const [dead, status, signal] = tmux(
            term,
            "display-message",
            "-p",
            "-t",
            "=t:",
            "#{pane_dead} #{pane_dead_status} #{pane_dead_signal}"
          )
            .stdout.trim()
            .split(" ")
          if (dead !== "1") return undefined
          if (status !== undefined && status !== "") return Number(status)
          return signal !== undefined && signal !== "" ? 128 + Number(signal) : undefined
        },
        30_000
      )
    }
  }
}

describe("Ctrl-C (real terminal in tmux)", () => {
  const make = e2eHooks(afterEach)
  const terms: Array<string> = []
  afterEach(() => {
    for (const t of terms.splice(0)) killServer(t)
  })

  it("at the [y/N] question of abort --hard: exit 130, nothing stopped", async () => {
    const e = make()
    e.manifest([e.task("t", "t [hang]")])
    const sup = e.supervisor()
    await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
    const term = terminal(e, terms, "abort", "--hard")
    await term.waitFor("[y/N]")
    term.ctrlC()
    expect(await term.exitStatus()).toBe(130)
    expect(pidAlive(e.runs()[0]!.pid)).toBe(true)
    expect(e.state()?.phase).toBe("executing")
    expect(requestsMade(e)).toBe(false)
    await sup.kill9()
  }, 60_000)

  it("during a foreground resume --json: exit 130 and one document with what still runs", async () => {
    const e = make()
    e.manifest([e.task("t", "t [hang]")])
    const sup = e.supervisor()
    await pollUntil("the agent to run", () => (e.runs().length === 1 ? true : undefined), 30_000)
    await sup.kill9()
    const term = terminal(e, terms, "--json", "resume")
    // Generous: on a loaded CI machine the CLI's start in the terminal alone takes seconds (a bound, not a timing).
    await pollUntil(
      "the resume to hold the lease",
      () => (e.journal().some((l) => l.kind === "resume_attach" || l.kind === "ContinueFromWave") ? true : undefined),
      120_000
    )
    term.ctrlC()
    const status = await term.exitStatus()
    expect(status, term.screen()).toBe(130)
    // The document (indented JSON) is the last thing printed: from its opening line to its closing one.
    const lines = term.screen().split("\n")
    const open = lines.lastIndexOf("{")
    const doc = JSON.parse(lines.slice(open, lines.lastIndexOf("}") + 1).join("\n"))
    expect(doc).toEqual({
      interrupted: true,
      batchId: e.batchId,
      phase: "executing",
      running: ["t"],
      resume: `rekindle resume ${e.batchId}`
    })
    expect(pidAlive(e.runs()[0]!.pid)).toBe(true)
  }, 180_000)
})

/** The exit status (128+signal when killed) of `pid` if it is a zombie; undefined while it runs or once reaped. */
const zombieExitStatus = (pid: number): number | undefined => {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // Fields after the parenthesised command: state is the first, the waitpid status is the last (proc(5)).
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .trim()
    .split(" ")
  if (fields[0] !== "Z") return undefined
  const wait = Number(fields[fields.length - 1])
  return (wait & 0x7f) === 0 ? (wait >> 8) & 0xff : 128 + (wait & 0x7f)
}

const requestsMade = (e: E2E) =>
  fs.existsSync(`${e.paths.dir}/requests`) && fs.readdirSync(`${e.paths.dir}/requests`).length > 0
