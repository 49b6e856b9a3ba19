/**
 * No secret in `ps`: the tmux server keeps the argv of the client that started it as its process
 * title, readable by every local user. A batch launched on a fresh server (real tmux) must leave the
 * prompt out of the server's title: `ps -o args` and /proc/<pid>/cmdline of the server never hold it.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { e2eHooks } from "../support/real/e2e.ts"
import { pollUntil } from "../support/real/poll.ts"
import { tmux } from "../support/real/socket.ts"

const SECRET = "s3cret-prompt-7f3a9"

describe("no prompt in the tmux server's process title (real tmux)", () => {
  const make = e2eHooks(afterEach)

  it("the first launch on a fresh server: ps shows a neutral command, no placeholder session is left", async () => {
    const e = make()
    e.manifest([e.task("a", `do ${SECRET} [hang]`), e.task("b", `also ${SECRET} [hang]`)])
    e.supervisor()
    await pollUntil("both agents to run", () => (e.runs().length === 2 ? true : undefined), 30_000)
    const pid = Number(tmux(e.socket, "display-message", "-p", "#{pid}").stdout.trim())
    expect(pid).toBeGreaterThan(1)
    const args = spawnSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).stdout
    expect(args).toContain("tmux")
    expect(args).not.toContain(SECRET)
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(SECRET)
    // The prompt did reach the agents (the test would prove nothing otherwise).
    expect(e.paneHistory("a").join("\n")).toContain(SECRET)
    const sessions = tmux(e.socket, "list-sessions", "-F", "#{session_name}").stdout.trim().split("\n")
    expect(sessions.filter((n) => n.startsWith("rekindle-start-"))).toEqual([])
    expect(sessions).toHaveLength(2)
  }, 60_000)
})
