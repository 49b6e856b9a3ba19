/**
 * The multiclaude adapter (dlorenc/multiclaude): one tracked repository of `~/.multiclaude/state.json`
 * as a rekindle batch. What multiclaude needs from a recovery, read from its daemon:
 *
 * - Its **persistent agents** (supervisor, merge-queue, pr-shepherd, workspace, generic-persistent)
 *   are the daemon's: it restarts them when their process dies and recreates supervisor and
 *   workspace when the tmux session is gone. They are left out of the batch (listed in provenance).
 * - Its **workers and review agents** are transient: a dead one is never restarted, and when the
 *   session is gone the daemon drops every agent from its state — the worker's unfinished work is
 *   orphaned. These are the batch's tasks: `ready_for_cleanup` → succeeded; a `failure_reason` →
 *   failed; else running, with its Claude session id (resumed with `claude --resume` when the
 *   transcript is there, as multiclaude's own restart does) and its pid, so a Claude process alive
 *   outside its window is held, never started twice.
 * - Each agent lives in a *window* of the repo's one session (`mc-<repo>`), not a session of its own:
 *   no session is declared; liveness comes from the pid (the program its window's shell runs: multiclaude records
 *   the shell), and a relaunch runs in rekindle's own session.
 * - Worktrees are `~/.multiclaude/wts/<repo>/<agent>`, outside the clone at `repos/<repo>`.
 * - multiclaude merges through pull requests (its merge-queue agent): merge policy `host`.
 * - While the daemon runs it owns the agents (it removes the worktree of an agent whose window is
 *   gone): the import is refused until it is stopped.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type ForeignBatch, type ForeignTask, type ImportAdapter, ImportRefusedError } from "./Foreign.ts"
import { toBatchState } from "./Mapping.ts"
import { MULTICLAUDE_PERSISTENT, MulticlaudeState, type MulticlaudeAgent } from "./MulticlaudeFormat.ts"

/** Options of {@link multiclaude}. */
export interface MulticlaudeOptions {
  /** multiclaude's root directory, absolute (its default is `~/.multiclaude`). */
  readonly root: string
  /** The tracked repository to import (its key under `repos`); default `current_repo`, else the only one. */
  readonly repo?: string
  /** Its state file, when not `<root>/state.json` (a copy, say); the daemon is still looked for under `root`. */
  readonly stateFile?: string
}

/** What the adapter reads. */
export interface MulticlaudeRead {
  readonly doc: MulticlaudeState
  readonly repo: string
  readonly root: string
  /** The daemon found running (`<root>/daemon.pid`), described: the import is refused, with every other problem. */
  readonly liveDaemon?: string
  /**
   * Per agent, the process that is its agent, when its recorded pid is a window's shell (see {@link agentBehind}):
   * the program the shell runs, or null when the shell runs none (the agent exited). Absent: the pid as recorded.
   */
  readonly agentPids?: Readonly<Record<string, number | null>>
}

const decode = Schema.decodeUnknownResult(MulticlaudeState)
const trim = (p: string) => p.replace(/\/+$/, "")

/** Parse the text of a multiclaude state.json (throws a readable Error when it is not one). */
const parseMulticlaude = (text: string, path: string): MulticlaudeState => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new Error(`${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  const doc = decode(json)
  if (Result.isFailure(doc)) throw new Error(`${path} is not a multiclaude state: ${doc.failure.message}`)
  return doc.success
}

/** Epoch milliseconds of an RFC 3339 time; undefined for Go's zero time or garbage. */
const epoch = (time: string | undefined): number | undefined => {
  const ms = time === undefined ? Number.NaN : Date.parse(time)
  return Number.isFinite(ms) && ms > 0 ? ms : undefined
}

const taskOf = (name: string, a: MulticlaudeAgent, agentPids: MulticlaudeRead["agentPids"] = {}): ForeignTask => {
  const startedAt = epoch(a.created_at)
  const pid = Object.hasOwn(agentPids, name) ? agentPids[name] : a.pid
  const failed = (a.failure_reason ?? "") !== ""
  return {
    id: name,
    status: a.ready_for_cleanup === true ? "succeeded" : failed ? "failed" : "running",
    agent: "claude",
    prompt: a.task ?? `Continue your work as the multiclaude ${a.type} agent ${name}.`,
    worktree: trim(a.worktree_path),
    ...(a.session_id === "" ? {} : { conversationId: a.session_id }),
    ...(pid !== null && pid !== undefined && pid > 0 ? { agentProcess: { pid } } : {}),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(failed ? { exitReason: a.failure_reason! } : a.summary === undefined ? {} : { exitReason: a.summary })
  }
}

/** Map one repository of a multiclaude state to a foreign batch. */
const mapRepository = (read: MulticlaudeRead): ForeignBatch => {
  const repo = read.doc.repos?.[read.repo]
  if (repo === undefined) throw new Error(`multiclaude tracks no repository named ${read.repo}`)
  const agents = Object.entries(repo.agents ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))
  // A type this adapter does not know is left to the daemon, like the persistent ones.
  const transient = agents.filter(([, a]) => a.type === "worker" || a.type === "review")
  const times = agents.flatMap(([, a]) => [epoch(a.created_at), epoch(a.last_nudge)]).filter((t) => t !== undefined)
  return {
    source: "multiclaude",
    batchId: `mc-${read.repo}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64),
    repoRoot: `${read.root}/repos/${read.repo}`,
    worktreeRoot: `${read.root}/wts/${read.repo}`,
    baseBranch: repo.target_branch ?? "main",
    phase: "executing",
    merge: "host",
    createdAt: times.length === 0 ? 0 : Math.min(...times),
    updatedAt: times.length === 0 ? 0 : Math.max(...times),
    tasks: transient.map(([name, a]) => taskOf(name, a, read.agentPids)),
    provenance: {
      stateFile: `${read.root}/state.json`,
      repo: read.repo,
      githubUrl: repo.github_url,
      tmuxSession: repo.tmux_session,
      leftToDaemon: agents.filter(([, a]) => !transient.some(([, t]) => t === a)).map(([n, a]) => `${n} (${a.type})`),
      persistentTypes: MULTICLAUDE_PERSISTENT
    }
  }
}

/**
 * The mapping, refused while the daemon lives — and then with the mapping's own problems too, so one pass shows
 * everything to fix (the way the taskplane adapter refuses a live supervisor lock).
 */
const mapMulticlaude = (read: MulticlaudeRead): ForeignBatch => {
  const batch = mapRepository(read)
  if (read.liveDaemon === undefined) return batch
  const mapped = toBatchState(batch)
  throw new ImportRefusedError([
    { code: "E_LOCKED", message: read.liveDaemon },
    ...(Result.isFailure(mapped)
      ? mapped.failure.map((message) => ({ code: "E_STATE_CORRUPT" as const, message }))
      : [])
  ])
}

const SHELLS = new Set(["bash", "zsh", "sh", "dash", "fish", "ksh", "tcsh", "csh"])

/**
 * multiclaude records a window's `#{pane_pid}` as the agent's pid: the shell it typed `claude` into, which lives on
 * after Claude exits. When that pid is a shell, the agent is the program the shell runs (its child), or none: a live
 * shell must not pass for a live agent (rekindle would hold the task for good). Undefined: not a shell, or /proc
 * cannot say; the recorded pid stands.
 */
const agentBehind = async (
  io: { readonly readText: (path: string) => Promise<string | undefined> },
  pid: number
): Promise<number | null | undefined> => {
  const comm = (await io.readText(`/proc/${pid}/comm`))?.trim()
  if (comm === undefined || !SHELLS.has(comm.replace(/^-/, ""))) return undefined
  const children = await io.readText(`/proc/${pid}/task/${pid}/children`)
  if (children === undefined) return undefined
  const first = children.trim().split(/\s+/)[0]
  return first === undefined || first === "" ? null : Number(first)
}

/** The multiclaude adapter: reads `<root>/state.json`, refusing while the daemon (`<root>/daemon.pid`) lives. */
export const multiclaude = (options: MulticlaudeOptions): ImportAdapter<MulticlaudeRead> => {
  const root = trim(options.root)
  const stateFile = options.stateFile ?? `${root}/state.json`
  return {
    name: "multiclaude",
    location: stateFile,
    read: async (io) => {
      const text = await io.readText(stateFile)
      if (text === undefined) return undefined
      const doc = parseMulticlaude(text, stateFile)
      const names = Object.keys(doc.repos ?? {})
      const repo =
        options.repo ?? (doc.current_repo !== undefined && doc.current_repo !== "" ? doc.current_repo : undefined)
      const chosen = repo ?? (names.length === 1 ? names[0] : undefined)
      if (chosen === undefined || !names.includes(chosen))
        throw new Error(
          `choose the repository to import (option \`repo\`): multiclaude tracks ${names.length === 0 ? "none" : names.join(", ")}`
        )
      const pid = Number.parseInt((await io.readText(`${root}/daemon.pid`))?.trim() ?? "", 10)
      const live = Number.isInteger(pid) && pid > 0 && (await io.exists(`/proc/${pid}`))
      const liveDaemon = `multiclaude's daemon (pid ${pid}) is running: it owns these agents and removes the worktree of one whose window is gone; stop it (\`multiclaude daemon stop\`; its tmux sessions stay) before rekindle recovers them`
      const agentPids: Record<string, number | null> = {}
      for (const [name, a] of Object.entries(doc.repos?.[chosen]?.agents ?? {})) {
        const behind = a.pid > 0 ? await agentBehind(io, a.pid) : undefined
        if (behind !== undefined) agentPids[name] = behind
      }
      return { doc, repo: chosen, root, agentPids, ...(live ? { liveDaemon } : {}) }
    },
    map: mapMulticlaude
  }
}
