/**
 * A host orchestrator's import adapter in its simplest form, for tests: its state file is the JSON list of its tasks
 * (ForeignTask), handed over as one wave of `shell` tasks (`["job", <id>]` unless a task names its command).
 */
import type { ForeignBatch, ForeignTask, ImportAdapter } from "../../core/import/index.ts"
import type { MergePolicy } from "../../core/domain/index.ts"

/** The adapter reading `stateFile` under `repo` as batch `batchId`, merged by `merge` (rekindle's default when absent). */
export const taskListAdapter = (
  repo: string,
  stateFile: string,
  batchId: string,
  merge?: MergePolicy
): ImportAdapter<ReadonlyArray<ForeignTask>> => ({
  name: "host",
  location: stateFile,
  read: async (io) => {
    const text = await io.readText(stateFile)
    return text === undefined ? undefined : (JSON.parse(text) as ReadonlyArray<ForeignTask>)
  },
  map: (tasks): ForeignBatch => ({
    source: "host",
    batchId,
    repoRoot: repo,
    baseBranch: "main",
    phase: "executing",
    createdAt: 0,
    updatedAt: 0,
    agent: "shell",
    ...(merge === undefined ? {} : { merge }),
    waves: [tasks.map((t) => t.id)],
    tasks: tasks.map((t) => ({ command: ["job", t.id], ...t }))
  })
})
