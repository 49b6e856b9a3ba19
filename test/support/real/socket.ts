/**
 * The real-machine harness, part 2: tmux on a private socket (`rekindle-test-<pid>-<random>`), never
 * the default server; argv arrays only.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"

/** A fresh private tmux socket name. */
export const freshSocket = (): string => `rekindle-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`

/** Run tmux on `socket` (argv only); exit status and stdout, never throws. */
export const tmux = (
  socket: string,
  ...args: ReadonlyArray<string>
): { readonly status: number; readonly stdout: string } => {
  const r = spawnSync("tmux", ["-u", "-L", socket, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 10_000
  })
  return { status: r.status ?? -1, stdout: r.stdout ?? "" }
}

const socketFile = (socket: string) =>
  nodePath.join(process.env["TMUX_TMPDIR"] ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket)

/** Kill the private server on `socket` (and its socket file). Never the default server. */
export const killServer = (socket: string): void => {
  tmux(socket, "kill-server")
  fs.rmSync(socketFile(socket), { force: true })
}

/** Sorted `name pane-id` lines of every pane on `socket` (empty when no server runs). */
export const paneList = (socket: string): ReadonlyArray<string> => {
  const r = tmux(socket, "list-panes", "-a", "-F", "#{session_name} #{pane_id}")
  return r.status === 0
    ? r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .sort()
    : []
}

/** Session names on `socket`, sorted. */
export const sessionNames = (socket: string): ReadonlyArray<string> => {
  const r = tmux(socket, "list-sessions", "-F", "#{session_name}")
  return r.status === 0
    ? r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .sort()
    : []
}
