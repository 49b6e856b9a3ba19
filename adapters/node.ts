/**
 * The live layer: every port backed by the real machine — tmux (one socket), git, /proc, the disk —
 * plus Node's FileSystem, Path and child-process services. Only the CLI entry (and tests that want
 * the real world) provide it; the library never does on its own.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import type { ChildProcessSpawner } from "effect/process"
import type { AgentKindSpec, AgentLauncher } from "../core/ports/AgentLauncher.ts"
import type { Journal } from "../core/ports/Journal.ts"
import type { LeaseStore } from "../core/ports/Lease.ts"
import type { LogTail } from "../core/ports/LogTail.ts"
import type { Notifier } from "../core/ports/Notifier.ts"
import * as NotifierExec from "./notify/NotifierExec.ts"
import type { ProcessTable } from "../core/ports/ProcessTable.ts"
import type { StateStore } from "../core/ports/StateStore.ts"
import type { Tmux, TmuxError } from "../core/ports/Tmux.ts"
import type { Worktrees } from "../core/ports/Worktrees.ts"
import * as AgentLauncherFs from "./agent/AgentLauncherFs.ts"
import * as WorktreesGit from "./git/WorktreesGit.ts"
import * as LogTailFs from "./logs/LogTailFs.ts"
import * as ProcessTableLinux from "./processtable/ProcessTableLinux.ts"
import type { JournalOptions } from "./store/JournalFs.ts"
import * as StoreLayers from "./store/StoreLayers.ts"
import * as TmuxCli from "./tmux/TmuxCli.ts"

/** Every service the engine needs, live. */
export type LiveServices =
  | Tmux
  | Worktrees
  | ProcessTable
  | StateStore
  | Journal
  | LeaseStore
  | AgentLauncher
  | LogTail
  | Notifier
  | FileSystem.FileSystem
  | Path.Path
  | ChildProcessSpawner.ChildProcessSpawner

/** Options of the live layer. */
export interface LiveOptions {
  /** tmux socket name (`tmux -L`); undefined: the user's default server. */
  readonly socket?: string
  /** Extra or overriding agent kinds (from config). */
  readonly kinds?: ReadonlyArray<AgentKindSpec>
  readonly journal?: JournalOptions
}

/** The live layer. Fails only for an invalid socket name. */
export const layer = (options: LiveOptions = {}): Layer.Layer<LiveServices, TmuxError> =>
  Layer.mergeAll(
    TmuxCli.layer(options.socket === undefined ? {} : { socket: options.socket }),
    WorktreesGit.layer(),
    ProcessTableLinux.layer,
    StoreLayers.layerFs(options.journal ?? {}),
    AgentLauncherFs.layer(options.kinds === undefined ? {} : { kinds: options.kinds }),
    LogTailFs.layer,
    NotifierExec.layer
  ).pipe(Layer.provideMerge(NodeServices.layer))
