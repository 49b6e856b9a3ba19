/**
 * A throw-away world for driving a real coding-agent CLI through rekindle: a temp dir with its own
 * HOME (the agent's config and session files live there, nothing of the machine's is read or
 * written), a git repo, a private tmux socket, the pinned CLIs on PATH, and `rekindle` run as its own
 * process with that environment. `cleanup` ends only what this world started: the tmux server on its
 * socket, and processes whose working directory or argv lie under its temp dir, by pid.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { ensureRealAgents, realAgentsSkipped, SKIP_ENV } from "../agents/install.ts"
import { GIT_ENV } from "../support/real/repo.ts"
import { freshSocket, killServer, sessionNames } from "../support/real/socket.ts"

const MAIN = nodePath.resolve(import.meta.dirname, "../../cli/main.ts")

/** Whether this run drives the real agents; a skip is said on stderr, never silent. */
export const realAgentsEnabled = (suite: string): boolean => {
  if (!realAgentsSkipped()) return true
  process.stderr.write(`[rekindle] SKIPPED real-agent suite "${suite}": ${SKIP_ENV}=1 is set (CI never sets it)\n`)
  return false
}

/** How one rekindle process ended. */
export interface RekindleRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The world. */
export interface AgentWorld {
  readonly dir: string
  readonly home: string
  readonly repo: string
  readonly socket: string
  readonly env: Readonly<Record<string, string>>
  /** Write `manifest.json` in the temp dir; returns its path. */
  readonly manifest: (doc: unknown) => string
  /** Start `rekindle <args>` in the repo; SIGKILL after `timeoutMs`. */
  readonly start: (args: ReadonlyArray<string>, timeoutMs: number) => { pid: number; done: Promise<RekindleRun> }
  /** The pane text of every session on the socket (for failure messages). */
  readonly screens: () => string
  readonly git: (...args: ReadonlyArray<string>) => string
  readonly cleanup: () => void
}

/** Pids of processes whose cwd or argv lies under `dir` (this world's agents, daemons, supervisors). */
const processesUnder = (dir: string): ReadonlyArray<number> =>
  fs.readdirSync("/proc").flatMap((name) => {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid === process.pid) return []
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`)
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
      return cwd.startsWith(dir) || cmdline.includes(dir) ? [pid] : []
    } catch {
      return []
    }
  })

/** Make a world; `setup` writes the agent's own config under `home` before anything runs. */
export const makeAgentWorld = (prefix: string, extraEnv: Readonly<Record<string, string>> = {}): AgentWorld => {
  const bin = ensureRealAgents()
  const dir = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), `rekindle-${prefix}-`)))
  const home = nodePath.join(dir, "home")
  const repo = nodePath.join(dir, "repo")
  fs.mkdirSync(home)
  fs.mkdirSync(repo)
  const socket = freshSocket()
  const env: Record<string, string> = {
    PATH: `${bin}:${nodePath.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    TMPDIR: os.tmpdir(),
    ...GIT_ENV,
    ...extraEnv
  }
  const git = (...args: ReadonlyArray<string>) => {
    const r = spawnSync("git", ["-C", repo, ...args], { env, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`)
    return r.stdout
  }
  git("init", "-q", "-b", "main")
  fs.writeFileSync(nodePath.join(repo, "README.md"), "real agent test\n")
  git("add", "-A")
  git("commit", "-q", "-m", "init")
  return {
    dir,
    home,
    repo,
    socket,
    env,
    git,
    manifest: (doc) => {
      const file = nodePath.join(dir, "manifest.json")
      fs.writeFileSync(file, JSON.stringify(doc, null, 2))
      return file
    },
    start: (args, timeoutMs) => {
      const child = spawn(process.execPath, [MAIN, ...args], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()))
      child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()))
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      const done = new Promise<RekindleRun>((resolve) =>
        child.on("close", (code) => {
          clearTimeout(timer)
          resolve({ code, stdout, stderr })
        })
      )
      return { pid: child.pid!, done }
    },
    screens: () =>
      sessionNames(socket)
        .map((s) => {
          const r = spawnSync("tmux", ["-L", socket, "capture-pane", "-p", "-t", `=${s}:`], { encoding: "utf8" })
          return `--- ${s}\n${(r.stdout ?? "").replace(/\n{3,}/g, "\n\n")}`
        })
        .join("\n"),
    cleanup: () => {
      killServer(socket)
      for (const pid of processesUnder(dir)) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A shell command that writes `file`, commits it as `subject`, and writes rekindle's done marker. */
export const commitAndSignal = (file: string, content: string, subject: string): string =>
  `printf '%s\\n' ${JSON.stringify(content)} > ${file} && git add ${file} && git commit -q -m ${JSON.stringify(subject)} && ` +
  `printf '{"status":"succeeded"}' > "$REKINDLE_DONE_FILE"`

/** Poll `probe` until it returns a value, or fail after `timeoutMs` with `describe()`. */
export const waitFor = async <A>(probe: () => A | undefined, timeoutMs: number, describe: () => string): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
