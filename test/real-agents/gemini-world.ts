/**
 * Gemini CLI 0.61.0 pointed at the local model server, with no network and no hand on the keyboard.
 * Its own config under the temp HOME, as a user would write it:
 * - `~/.gemini/settings.json` `security.auth.selectedType: "gemini-api-key"` (no auth-method dialog);
 * - NO `~/.gemini/trustedFolders.json`: the folder trust ("Do you trust the files in this folder?", and an untrusted
 *   folder turns YOLO off, so the shell call would wait for "Allow execution of [Shell]?") is rekindle's to record
 *   (`trustRepository`: `{"<repo root>": "TRUST_FOLDER"}`, which covers the task worktrees under it).
 * Per task, through the manifest: `args` `["--approval-mode", "yolo"]` (no approval before a shell call) and `env`
 * `GEMINI_API_KEY` (any value) and `GOOGLE_GEMINI_BASE_URL` (the server; plain HTTP is allowed for localhost).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { WorldDirs } from "../support/real-agents/world.ts"

/** The task settings a Gemini task gets in the manifest. */
export const geminiTask = (baseUrl: string) =>
  ({
    args: ["--approval-mode", "yolo"],
    env: { GEMINI_API_KEY: "local-test-key", GOOGLE_GEMINI_BASE_URL: baseUrl }
  }) as const

/** Write `<home>/.gemini/settings.json` (and no trusted folders: recording the root's trust is rekindle's job). */
export const configureGemini = (world: WorldDirs): void => {
  const dir = nodePath.join(world.home, ".gemini")
  fs.mkdirSync(dir, { recursive: true })
  const settings = { security: { auth: { selectedType: "gemini-api-key" } } }
  fs.writeFileSync(nodePath.join(dir, "settings.json"), JSON.stringify(settings, null, 2))
}

/**
 * Pids of the processes whose working directory is `dir` or under it, a removed directory included (Gemini's launcher
 * and its node child, say: it ignores SIGHUP, so it can outlive its tmux session and server).
 */
export const processesUnder = (dir: string): ReadonlyArray<number> =>
  fs.readdirSync("/proc").flatMap((name) => {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid === process.pid) return []
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, "")
      return cwd === dir || cwd.startsWith(`${dir}/`) ? [pid] : []
    } catch {
      return []
    }
  })

/**
 * Wait (bounded) until no process runs under `dir`: a killed launcher's node child notices its parent's death a moment
 * later. Fails naming what is left.
 */
export const noneLeftUnder = async (dir: string, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = processesUnder(dir)
    if (left.length === 0) return
    if (Date.now() > deadline) {
      const show = (pid: number) => {
        try {
          return `${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 200)}`
        } catch {
          return `${pid}: gone`
        }
      }
      throw new Error(`still running under ${dir} after ${timeoutMs} ms:\n${left.map(show).join("\n")}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}
