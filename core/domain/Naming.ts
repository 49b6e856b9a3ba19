/**
 * Names rekindle gives to what it owns: tmux sessions, ownership tags, branches, worktree paths.
 * Exact names are the only way rekindle ever finds its resources (never prefixes or patterns).
 */
import type { BatchId, TaskId } from "./Ids.ts"
import type { BatchState } from "./State.ts"

/** Characters tmux rewrites in session names (`.` and `:`), replaced so the name survives intact. */
const TMUX_REWRITTEN = /[.:]/g

/**
 * The tmux session name of a task: `rk-<batch id>-<task id>`. The whole batch id, so two batches on
 * one server never want the same name (generated ids share their date prefix).
 */
export const sessionNameFor = (batchId: BatchId, taskId: TaskId): string =>
  `rk-${batchId}-${taskId}`.replace(TMUX_REWRITTEN, "_")

/**
 * Whether a task's untagged session, found by its exact name, may be taken for the task's own: only
 * in a batch imported from another orchestrator, whose host started (and declared) those sessions
 * without rekindle's tag. In a batch rekindle runs itself an untagged pane is never rekindle's —
 * a user's session that happens to carry the name is not adopted, signalled or killed.
 */
export const hostDeclaresSessions = (state: BatchState): boolean => Object.hasOwn(state, "importedFrom")

/** The `@rekindle_task` pane option value that marks a pane as rekindle's. */
export const ownershipTag = (batchId: BatchId, taskId: TaskId): string => `${batchId}/${taskId}`

/** Parse an ownership tag; undefined when it is not one of ours. */
export const parseOwnershipTag = (tag: string): { readonly batchId: string; readonly taskId: string } | undefined => {
  const m = /^([A-Za-z0-9_][A-Za-z0-9_-]{0,63})\/([A-Za-z0-9_][A-Za-z0-9_-]{0,63})$/.exec(tag)
  return m === null ? undefined : { batchId: m[1]!, taskId: m[2]! }
}

/** Branch of a task's worktree. */
export const branchFor = (batchId: BatchId, taskId: TaskId): string => `rekindle/${batchId}/${taskId}`

/** Prefix of every branch rekindle creates. */
export const BRANCH_PREFIX = "rekindle/"

/** Directory (relative to the repo root) holding every worktree rekindle creates. */
export const WORKTREE_DIR = ".rekindle/worktrees"

/** Worktree path of a task: `<repo>/.rekindle/worktrees/<batchId>/<taskId>`. */
export const worktreeFor = (repoRoot: string, batchId: BatchId, taskId: TaskId): string =>
  `${repoRoot.replace(/\/+$/, "")}/${WORKTREE_DIR}/${batchId}/${taskId}`

/**
 * If `path` is a worktree path rekindle owns under `repoRoot`, its batch and task ids. Pure string
 * check on a normalised absolute path: `..` segments or extra depth are not ours.
 */
export const parseWorktreePath = (
  repoRoot: string,
  path: string
): { readonly batchId: string; readonly taskId: string } | undefined => {
  const prefix = `${repoRoot.replace(/\/+$/, "")}/${WORKTREE_DIR}/`
  if (!path.startsWith(prefix)) return undefined
  const m = /^([A-Za-z0-9_][A-Za-z0-9_-]{0,63})\/([A-Za-z0-9_][A-Za-z0-9_-]{0,63})\/?$/.exec(path.slice(prefix.length))
  return m === null ? undefined : { batchId: m[1]!, taskId: m[2]! }
}

/** The tmux session a detached supervisor of the batch runs in. */
export const supervisorSessionFor = (batchId: BatchId): string =>
  `rk-${batchId}-supervisor`.replace(TMUX_REWRITTEN, "_")

/**
 * The ownership tag of a supervisor session. `~` is outside the id charset, so orphan detection
 * never mistakes a live supervisor for a stray task session.
 */
export const supervisorTag = (batchId: BatchId): string => `${batchId}/~supervisor`

/**
 * Whether rekindle made the task's worktree and branch, and so may remove them when the batch ends
 * (or `repair`/`clean` finish it): only then. The persisted `worktreeOwner` decides when present.
 * Absent (a state written before the field existed), the default is today's behaviour where it was
 * right and the host's otherwise: a batch rekindle started itself (`rekindle run`, no `importedFrom`)
 * made every worktree it records, so the previous version's states are still cleaned; in an imported
 * batch only a worktree at rekindle's own path for that very task (`.rekindle/worktrees/<batch>/<task>`,
 * made for a task the host never allocated) is rekindle's — no host makes worktrees there.
 */
export const rekindleMadeWorktree = (
  state: BatchState,
  task: { readonly id: TaskId; readonly worktree?: string | undefined; readonly worktreeOwner?: "rekindle" | "host" }
): boolean => {
  if (task.worktreeOwner !== undefined) return task.worktreeOwner === "rekindle"
  if (!Object.hasOwn(state, "importedFrom")) return true
  return task.worktree !== undefined && task.worktree === worktreeFor(state.repoRoot, state.batchId, task.id)
}
