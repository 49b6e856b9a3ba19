/**
 * Suite-wide teardown: tests kill the private tmux servers they start, but a server killed with
 * SIGKILL (crash tests do that on purpose) leaves its socket file behind. Remove the socket files of
 * OUR naming pattern whose server no longer answers — never a live server, never another name.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const socketDir = path.join(process.env["TMUX_TMPDIR"] ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`)

export default function setup(): () => void {
  return () => {
    let names: Array<string> = []
    try {
      names = fs.readdirSync(socketDir).filter((n) => n.startsWith("rekindle-test-"))
    } catch {
      return
    }
    for (const name of names) {
      const probe = spawnSync("tmux", ["-L", name, "list-sessions"], { encoding: "utf8", timeout: 5_000 })
      const dead =
        probe.status !== 0 && /no server running|error connecting|Connection refused/i.test(probe.stderr ?? "")
      if (dead) fs.rmSync(path.join(socketDir, name), { force: true })
    }
  }
}
