/**
 * State whose paths escape the repo, on a real crashed batch (test/support/real/cli.ts): each case edits the
 * batch (state file or the disk), every acting command is run through the real CLI, and what it
 * showed and changed is reported; then the case is undone so the next one starts from the same
 * batch. Nothing here asserts: the test and the soak campaign judge the outcomes.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { RealBatch } from "../support/real/cli.ts"
import { fingerprint } from "../support/real/fingerprint.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { runCli } from "./cli.ts"

/** How a case makes the state point outside the repo. */
export type EscapeCase = "absolute" | "dotdot" | "marker" | "symlink" | "symlinkDir"

/** Every case, in order. */
export const ESCAPES: ReadonlyArray<EscapeCase> = ["absolute", "dotdot", "marker", "symlink", "symlinkDir"]

/** The commands that act on a batch (each must refuse before acting). */
export const ACTING: ReadonlyArray<ReadonlyArray<string>> = [
  ["resume", "--detached"],
  ["abort", "--hard", "--yes"],
  ["repair", "--yes"],
  ["restart", "a", "--yes"],
  ["plan"]
]

/** What one command showed on an escaping state. */
export interface CommandOutcome {
  readonly command: string
  readonly errorCode: string | undefined
  readonly message: string
}

/** What a group of commands showed, and what changed while they ran. */
export interface GroupOutcome {
  readonly outcomes: ReadonlyArray<CommandOutcome>
  /** Fingerprint fields (state, journal, lease, sessions, worktrees, branches, refs) or `outside` that changed. */
  readonly changed: ReadonlyArray<string>
}

type StateDoc = { tasks: Array<Record<string, unknown>> }

const listing = (dir: string): string => {
  if (!fs.existsSync(dir)) return ""
  return (fs.readdirSync(dir, { recursive: true }) as Array<string>)
    .sort()
    .map((n) => `${n} ${fs.lstatSync(nodePath.join(dir, n)).mtimeMs}`)
    .join("\n")
}

/**
 * Make `batch`'s task `a` point outside the repo (into `outside`, a directory next to the repo);
 * returns the undo.
 */
export const applyEscape = (batch: RealBatch, c: EscapeCase, outside: string): (() => void) => {
  const statePath = batchPaths(batch.repo, batch.batchId).state
  const original = fs.readFileSync(statePath)
  const edit = (f: (t: Record<string, unknown>) => void) => {
    const doc = JSON.parse(original.toString("utf8")) as StateDoc
    f(doc.tasks.find((t) => t["id"] === "a")!)
    fs.writeFileSync(statePath, JSON.stringify(doc))
  }
  const restoreState = () => fs.writeFileSync(statePath, original)
  const wt = nodePath.join(batch.repo, ".rekindle/worktrees", batch.batchId, "a")
  switch (c) {
    case "absolute":
      edit((t) => void (t["worktree"] = nodePath.join(outside, "wt")))
      return restoreState
    case "dotdot":
      edit(
        (t) =>
          void (t["worktree"] =
            `${batch.repo}/.rekindle/worktrees/${batch.batchId}/../../../../${nodePath.basename(outside)}/wt`)
      )
      return restoreState
    case "marker":
      edit((t) => void (t["doneMarker"] = nodePath.join(outside, "a.json")))
      return restoreState
    case "symlink": {
      // The worktree itself moved out of the repo; a symlink at its recorded path points there.
      return linkOut(wt, nodePath.join(outside, "a"))
    }
    case "symlinkDir": {
      // The whole worktrees directory of the batch is a symlink to a directory outside the repo.
      return linkOut(nodePath.dirname(wt), nodePath.join(outside, "batch-worktrees"))
    }
  }
}

/**
 * Run `commands` on the batch as it stands, all at once (each must refuse, and a refusal changes
 * nothing, so they cannot disturb each other); report each one's error and every change.
 */
export const runActing = async (
  batch: RealBatch,
  outside: string,
  commands: ReadonlyArray<ReadonlyArray<string>> = ACTING
): Promise<GroupOutcome> => {
  const snapshot = () => JSON.stringify({ ...fingerprint(batch), outside: listing(outside) })
  const before = JSON.parse(snapshot()) as Record<string, unknown>
  const outcomes = await Promise.all(
    commands.map(async (command): Promise<CommandOutcome> => {
      const r = await runCli([...command, "--json", "--repo", batch.repo], batch.repo)
      try {
        const doc = JSON.parse(r.stdout) as { error?: { code?: string; message?: string } }
        return {
          command: command.join(" "),
          errorCode: doc.error?.code,
          message: doc.error?.message ?? r.stdout.slice(0, 300)
        }
      } catch {
        // not an error document: the command ran (a violation the caller counts)
        return { command: command.join(" "), errorCode: undefined, message: `${r.stdout}${r.stderr}`.slice(0, 300) }
      }
    })
  )
  const after = JSON.parse(snapshot()) as Record<string, unknown>
  const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
  return { outcomes, changed }
}

/** Move `path` to `moved` and leave a symlink to it in its place; returns the undo. */
const linkOut = (path: string, moved: string) => {
  fs.renameSync(path, moved)
  fs.symlinkSync(moved, path)
  return () => {
    fs.unlinkSync(path)
    fs.renameSync(moved, path)
  }
}
