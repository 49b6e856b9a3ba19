/**
 * The taskplane adapter (HenryLach/taskplane): reads `<repo>/.pi/batch-state.json`, each task's
 * PROMPT.md, the runtime registry of its agent processes (`.pi/runtime/<batch>/registry.json`) and the
 * supervisor lock (`.pi/supervisor/lock.json`); the mapping itself is pure (TaskplaneMapping.ts).
 *
 * What is read here, and not in the mapping, is what only the machine can say at import time: whether
 * a registry agent's pid still runs (its identity is then recorded, so rekindle holds the task instead
 * of starting a second agent beside it) and whether the supervisor lock is live (pid running and
 * heartbeat younger than 90 s, as taskplane judges it).
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { isInside } from "../domain/Layout.ts"
import { ImportRefusedError, importTime, type ForeignProcess, type ImportAdapter, type ImportIO } from "./Foreign.ts"
import {
  TASKPLANE_LOCK_STALE_MS,
  TASKPLANE_SCHEMA_VERSIONS,
  TaskplaneAgent,
  TaskplaneRegistry,
  TaskplaneState,
  TaskplaneSupervisorLock
} from "./TaskplaneFormat.ts"
import { mapTaskplane, runningRefusals, type TaskplaneOptions, type TaskplaneRead } from "./TaskplaneMapping.ts"
import { issueLines } from "../domain/SchemaProblems.ts"

export { mapTaskplane, type TaskplaneOptions, type TaskplaneRead } from "./TaskplaneMapping.ts"

const decode = Schema.decodeUnknownResult(TaskplaneState, { errors: "all" })
const trim = (p: string) => p.replace(/\/+$/, "")

const parseJson = (text: string, path: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new Error(`${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/**
 * Parse the text of a batch-state.json. Throws a readable Error when it is not one, and an
 * {@link ImportRefusedError} (E_STATE_VERSION) for a schema version taskplane itself would refuse.
 */
export const parseTaskplane = (text: string, path: string): TaskplaneState => {
  const json = parseJson(text, path)
  const version = typeof json === "object" && json !== null ? (json as { schemaVersion?: unknown }).schemaVersion : 0
  if (typeof version === "number" && !TASKPLANE_SCHEMA_VERSIONS.includes(version)) {
    throw new ImportRefusedError([
      {
        code: "E_STATE_VERSION",
        message: `${path} has taskplane schema version ${version}; this adapter reads versions ${TASKPLANE_SCHEMA_VERSIONS.join(", ")} (a newer taskplane wrote it)`
      }
    ])
  }
  const doc = decode(json)
  if (Result.isFailure(doc))
    throw new ImportRefusedError(
      issueLines(doc.failure.message).map((line) => ({
        code: "E_STATE_CORRUPT",
        message: `${path} is not a taskplane batch state: ${line}`
      }))
    )
  return doc.success
}

/** The top-level fields of a JSON object text (none when it is not one). */
const looseFields = (text: string): Readonly<Record<string, unknown>> => {
  try {
    const json: unknown = JSON.parse(text)
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** A JSON file decoded with `schema`, or undefined when absent or not of that shape (taskplane ignores those too). */
const readOptional = async <A>(
  io: ImportIO,
  path: string,
  decode: (json: unknown) => Result.Result<A, unknown>
): Promise<A | undefined> => {
  const text = await io.readText(path)
  if (text === undefined) return undefined
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const decoded = decode(json)
  return Result.isSuccess(decoded) ? decoded.success : undefined
}

const TERMINAL_AGENT = new Set(["exited", "crashed", "timed_out", "killed"])
/** Which of a task's agents speaks for it: the worker first. */
const ROLE_ORDER = ["worker", "reviewer", "lane-runner"]

/**
 * Every agent taskplane recorded for the batch: its per-agent manifests (`agents/<id>/manifest.json`, written before the
 * child counts as started and on every transition: process-registry.ts calls them authoritative) over the throttled
 * `registry.json` snapshot built from them. A live agent found only in its manifest is still an agent.
 */
const recordedAgents = async (io: ImportIO, runtimeDir: string): Promise<ReadonlyArray<TaskplaneAgent>> => {
  const byId = new Map<string, TaskplaneAgent>()
  const registry = await readOptional(io, `${runtimeDir}/registry.json`, Schema.decodeUnknownResult(TaskplaneRegistry))
  for (const [id, a] of Object.entries(registry?.agents ?? {})) byId.set(id, a)
  for (const id of await io.list(`${runtimeDir}/agents`)) {
    const manifest = await readOptional(
      io,
      `${runtimeDir}/agents/${id}/manifest.json`,
      Schema.decodeUnknownResult(TaskplaneAgent)
    )
    if (manifest !== undefined) byId.set(id, manifest)
  }
  return [...byId.values()]
}

/**
 * Identities of the recorded agents still running, per task (merge agents excluded). An `io` that
 * cannot tell a live process gets each task's first agent by pid, for importState to check.
 */
const liveAgents = async (io: ImportIO, runtimeDir: string): Promise<ReadonlyMap<string, ForeignProcess>> => {
  const out = new Map<string, ForeignProcess>()
  const agents = (await recordedAgents(io, runtimeDir))
    .filter((a) => a.taskId !== null && !TERMINAL_AGENT.has(a.status) && ROLE_ORDER.includes(a.role))
    .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
  for (const a of agents) {
    if (out.has(a.taskId!)) continue
    if (io.liveProcess === undefined) {
      out.set(a.taskId!, { pid: a.pid })
      continue
    }
    const live = await io.liveProcess(a.pid)
    if (live !== undefined) out.set(a.taskId!, live)
  }
  return out
}

/** The live supervisor lock, described, or undefined (absent, corrupt, pid gone or heartbeat stale). */
const liveLock = async (io: ImportIO, path: string): Promise<string | undefined> => {
  const lock = await readOptional(io, path, Schema.decodeUnknownResult(TaskplaneSupervisorLock))
  if (lock === undefined) return undefined
  const beat = Date.parse(lock.heartbeat)
  const now = importTime(io)
  if (Number.isNaN(beat) || now - beat > TASKPLANE_LOCK_STALE_MS) return undefined
  // Without a way to look at processes a fresh heartbeat is enough: the lock cannot be proven stale.
  if (io.liveProcess !== undefined && (await io.liveProcess(lock.pid)) === undefined) return undefined
  return `taskplane's supervisor (pid ${lock.pid}, batch ${lock.batchId}) holds ${path}, heartbeat ${Math.max(0, Math.round((now - beat) / 1000))}s ago`
}

/**
 * The worktrees git has registered for the repo (what `git worktree list` lists besides the main
 * checkout): `<repo>/.git/worktrees/<name>/gitdir` holds `<worktree>/.git`.
 */
const registeredWorktrees = async (io: ImportIO, repo: string): Promise<ReadonlySet<string>> => {
  const admin = `${repo}/.git/worktrees`
  const out = new Set<string>()
  for (const name of await io.list(admin)) {
    const gitdir = (await io.readText(`${admin}/${name}/gitdir`))?.trim()
    if (gitdir !== undefined && gitdir.endsWith("/.git")) out.add(gitdir.slice(0, -"/.git".length))
  }
  return out
}

/** The taskplane adapter. */
export const taskplane = (options: TaskplaneOptions): ImportAdapter<TaskplaneRead> => {
  const repo = trim(options.repoRoot)
  const stateFile = options.stateFile ?? `${repo}/.pi/batch-state.json`
  // taskplane keeps .pi/ at its state root: the repo in repo mode, beside the state file in general.
  const piDir = stateFile.slice(0, stateFile.lastIndexOf("/"))
  return {
    name: "taskplane",
    location: stateFile,
    read: async (io) => {
      const text = await io.readText(stateFile)
      if (text === undefined) return undefined
      const lockFile = `${piDir}/supervisor/lock.json`
      let doc: TaskplaneState
      try {
        doc = parseTaskplane(text, stateFile)
      } catch (e) {
        if (!(e instanceof ImportRefusedError) || e.problems[0]?.code !== "E_STATE_CORRUPT") throw e
        // A file that does not decode may still belong to a running taskplane: say so first, with every shape problem.
        const loose = looseFields(text)
        const running = runningRefusals(await liveLock(io, lockFile), loose["phase"], loose["batchId"])
        throw new ImportRefusedError([...running, ...e.problems])
      }
      const prompts = new Map<string, string>()
      for (const t of doc.tasks) {
        if (t.taskFolder === "") continue
        const prompt = await io.readText(`${trim(t.taskFolder)}/PROMPT.md`)
        if (prompt !== undefined) prompts.set(t.taskId, prompt)
      }
      const read: TaskplaneRead = {
        doc,
        prompts,
        stateFile,
        agents: await liveAgents(io, `${piDir}/runtime/${doc.batchId}`),
        // Only lanes outside the repo (`worktree_location: sibling`) need git's word that they are its worktrees.
        ...(doc.lanes.some((l) => !isInside(repo, trim(l.worktreePath)))
          ? { registered: await registeredWorktrees(io, repo) }
          : {}),
        ...(await liveLock(io, lockFile).then((lock) => (lock === undefined ? {} : { liveSupervisor: lock })))
      }
      return read
    },
    map: mapTaskplane(options)
  }
}
