/**
 * Where rekindle keeps a batch's files: everything under `<repo>/.rekindle/`, never elsewhere in the
 * user's repo. Pure path arithmetic (POSIX separators: rekindle drives tmux, which is POSIX-only).
 */

/** Directory holding every batch of a repo. */
export const stateRoot = (repoRoot: string): string => `${repoRoot.replace(/\/+$/, "")}/.rekindle`

/** The files of one batch. */
export interface BatchPaths {
  readonly dir: string
  readonly state: string
  readonly journal: string
  readonly lease: string
  readonly logs: string
  readonly markers: string
  /** The pane log of a task (piped from the pane's first byte). */
  readonly log: (taskId: string) => string
  /** The default done marker of a task (the agent writes it; `REKINDLE_DONE_FILE` names it). */
  readonly marker: (taskId: string) => string
  /** The wrap-up request a graceful abort writes for a task's agent. */
  readonly wrapUp: (taskId: string) => string
  /** The prompt of a task's launch, for a kind that reads it from a file (`{promptFile}`). */
  readonly promptFile: (taskId: string) => string
  /** Control requests handed to the live supervisor (core/domain/ControlRequest.ts). */
  readonly requests: string
  /** One control request's file. */
  readonly request: (id: string) => string
}

/** Paths of batch `batchId` in `repoRoot`. */
export const batchPaths = (repoRoot: string, batchId: string): BatchPaths => {
  const dir = `${stateRoot(repoRoot)}/${batchId}`
  return {
    dir,
    state: `${dir}/state.json`,
    journal: `${dir}/events.jsonl`,
    lease: `${dir}/lease.json`,
    logs: `${dir}/logs`,
    markers: `${dir}/done`,
    log: (taskId) => `${dir}/logs/${taskId}.log`,
    marker: (taskId) => `${dir}/done/${taskId}.json`,
    wrapUp: (taskId) => `${dir}/done/${taskId}.wrap-up`,
    promptFile: (taskId) => `${dir}/prompts/${taskId}.md`,
    requests: `${dir}/requests`,
    request: (id) => `${dir}/requests/${id}.json`
  }
}

/**
 * Whether `path` lies inside `root` after normalising `.` and `..` segments (a string check: the
 * engine also refuses symlinked state paths through the store). Used to refuse state that points
 * outside the repo before any action.
 */
export const isInside = (root: string, path: string): boolean => {
  if (!path.startsWith("/")) return false
  const parts: Array<string> = []
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue
    if (seg === "..") {
      if (parts.length === 0) return false
      parts.pop()
    } else parts.push(seg)
  }
  const normal = `/${parts.join("/")}`
  const r = root.replace(/\/+$/, "")
  return normal === r || normal.startsWith(`${r}/`)
}
