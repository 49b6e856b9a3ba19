/**
 * What machine a measurement ran on (CPU, cores, Node, tmux, git), for the headers and JSON of
 * `npm run bench` and `npm run soak`.
 */
import { execFileSync } from "node:child_process"
import * as os from "node:os"

/** A tool's version line, or "unavailable". */
export const toolVersion = (cmd: string, args: Array<string>): string => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim()
  } catch {
    return "unavailable"
  }
}

/** CPU model, core count and the versions of Node, tmux and git. */
export const machine = () => ({
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  node: process.version,
  tmux: toolVersion("tmux", ["-V"]),
  git: toolVersion("git", ["--version"])
})
