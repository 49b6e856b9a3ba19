/**
 * The orchestrators `rekindle import <source>` reads: one row per source, building its adapter from
 * the command line's options. Adding a source is one row (its adapter lives in core/import/).
 */
import * as nodePath from "node:path"
import type { ImportAdapter } from "../../core/import/Foreign.ts"
import { multiclaude } from "../../core/import/Multiclaude.ts"
import { taskplane } from "../../core/import/Taskplane.ts"

/** What the command line gives every source. */
interface ImportSourceOptions {
  /** The repository root the foreign batch ran in. */
  readonly repoRoot: string
  /** `--state-file`: the foreign state file, when not at the source's default place. */
  readonly stateFile?: string
  /** `--base-branch`: where merges go when the foreign state records none. */
  readonly baseBranch?: string
  /** `--agent`: the agent kind rekindle relaunches tasks with. */
  readonly agent?: string
  /** `--socket`: the tmux socket the foreign sessions live on. */
  readonly socket?: string
}

/** One importable orchestrator. */
interface ImportSource {
  /** One line for `--help` and the E_USAGE hint. */
  readonly description: string
  readonly adapter: (options: ImportSourceOptions) => ImportAdapter<unknown>
}

/** Every source, by the name `rekindle import <source>` takes. */
export const IMPORT_SOURCES: Readonly<Record<string, ImportSource>> = {
  taskplane: {
    description: "taskplane (HenryLach/taskplane): <repo>/.pi/batch-state.json, schema v1-v4, repo mode",
    adapter: (o) =>
      taskplane({
        repoRoot: o.repoRoot,
        ...(o.stateFile === undefined ? {} : { stateFile: o.stateFile }),
        ...(o.baseBranch === undefined ? {} : { baseBranch: o.baseBranch }),
        ...(o.agent === undefined ? {} : { agent: o.agent }),
        ...(o.socket === undefined ? {} : { tmuxSocket: o.socket })
      }) as ImportAdapter<unknown>
  },
  multiclaude: {
    description:
      "multiclaude (dlorenc/multiclaude): <root>/state.json, one tracked repository (--repo <root>/repos/<name>)",
    // multiclaude clones each tracked repository to <root>/repos/<name>: the root is two levels up.
    adapter: (o) =>
      multiclaude({
        root: nodePath.resolve(o.repoRoot, "../.."),
        repo: nodePath.basename(o.repoRoot),
        ...(o.stateFile === undefined ? {} : { stateFile: nodePath.resolve(o.stateFile) })
      }) as ImportAdapter<unknown>
  }
}
