/**
 * The one `next:` line a command prints (on stderr) when it leaves something to do: what the batch's
 * phase asks of the user, with the exact command. Pure; nothing when the batch is completed.
 */
import type { BatchState } from "../../core/domain/State.ts"

/** What to do next with `state`, after a command that left no supervisor running it (`supervised`: one runs). */
export const nextStep = (state: BatchState, supervised = false): string | undefined => {
  const id = state.batchId
  const failed = state.tasks.filter((t) => t.status === "failed")
  switch (state.phase) {
    case "completed":
      return undefined
    case "stopped":
      return `\`rekindle resume ${id} --force\` continues the batch; \`rekindle clean ${id}\` ends it (work is snapshotted first)`
    case "failed":
      return `\`rekindle clean ${id}\` ends the batch (work is snapshotted first); \`rekindle resume ${id} --force\` tries again`
    case "paused":
      return failed.length > 0
        ? `${failed.map((t) => `${t.id} failed${t.exitStatus === undefined ? "" : ` (exit ${t.exitStatus})`}`).join(", ")}: \`rekindle restart ${failed[0]!.id}\` relaunches it, \`rekindle resume ${id}\` continues the rest; \`rekindle status ${id}\` shows why it paused`
        : `\`rekindle status ${id}\` shows why it paused; \`rekindle resume ${id}\` continues it`
    default:
      return supervised ? undefined : `no supervisor runs batch ${id}: \`rekindle resume ${id}\` continues it`
  }
}
