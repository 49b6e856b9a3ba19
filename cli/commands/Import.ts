/**
 * `rekindle import <source>`: read another orchestrator's batch (a row of IMPORT_SOURCES), map it,
 * and save it as a rekindle batch so plan, resume, status and the rest work on it. `--dry-run` shows
 * the mapped batch and writes nothing; a refused import lists every problem at once (each on its own
 * line, all in `details.problems` with `--json`) and writes nothing either.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import type { BatchState } from "../../core/domain/State.ts"
import * as Engine from "../../core/engine/index.ts"
import { context, emit, note } from "../Root.ts"
import { argPath, repoRootOf, runnerFor } from "../shared/Target.ts"
import { IMPORT_SOURCES } from "../shared/ImportSources.ts"
import { dryRunFlag } from "../shared/Args.ts"
import { jsonDocument } from "../render/Json.ts"
import { ImportOutput } from "../render/Shapes.ts"
import { renderImport } from "../render/Import.ts"

const importJson = (r: Engine.ImportResult, dryRun: boolean): ImportOutput => {
  const s: BatchState = r.state
  const waveOf = new Map(s.waves.flatMap((ids, w) => ids.map((id) => [id, w + 1] as const)))
  return {
    source: r.source,
    dryRun,
    saved: r.saved ?? null,
    batchId: s.batchId,
    phase: s.phase,
    baseBranch: s.baseBranch,
    mergePolicy: s.options?.mergePolicy ?? "rekindle",
    importedFrom: s["importedFrom"] ?? null,
    waves: s.waves,
    tasks: s.tasks.map((t) => ({
      id: t.id,
      status: t.status,
      wave: waveOf.get(t.id) ?? null,
      lane: t.lane ?? null,
      session: t.session ?? null,
      worktree: t.worktree ?? null,
      branch: t.branch ?? null,
      doneMarkers: [...(t.doneMarker === undefined ? [] : [t.doneMarker]), ...(t.otherDoneMarkers ?? [])],
      agentPid: t.agentProcess?.pid ?? null
    })),
    merges: s.merges.map((m) => ({ wave: m.wave, lane: m.lane ?? null, status: m.status, reason: m.reason ?? null })),
    errors: s.errors.map((e) => e.message)
  }
}

const problemsOf = (details: unknown): ReadonlyArray<string> => {
  const problems = (details as { readonly problems?: unknown } | undefined)?.problems
  return Array.isArray(problems) ? problems.filter((p): p is string => typeof p === "string") : []
}

const optional = (o: Option.Option<string>) => Option.getOrUndefined(o)

/** The `import` command. */
export const importCmd = Command.make(
  "import",
  {
    source: Argument.String("source").pipe(
      Argument.withDescription(`The orchestrator the batch comes from: ${Object.keys(IMPORT_SOURCES).join(", ")}`)
    ),
    dryRun: dryRunFlag,
    stateFile: Flag.String("state-file").pipe(
      Flag.withDescription("The foreign state file, when not at the source's default place"),
      Flag.optional
    ),
    baseBranch: Flag.String("base-branch").pipe(
      Flag.withDescription("Where lanes merge when the foreign state records no branch (taskplane v1 files)"),
      Flag.optional
    ),
    agent: Flag.String("agent").pipe(
      Flag.withDescription("Agent kind rekindle relaunches the tasks with (default claude)"),
      Flag.optional
    )
  },
  Effect.fn("cli.import")(function* ({ source, dryRun, stateFile, baseBranch, agent }) {
    const ctx = yield* context
    const row = IMPORT_SOURCES[source]
    if (row === undefined || !Object.hasOwn(IMPORT_SOURCES, source)) {
      return yield* Engine.fail(
        "E_USAGE",
        `unknown import source "${source}"`,
        `sources: ${Object.entries(IMPORT_SOURCES)
          .map(([name, s]) => `${name} (${s.description})`)
          .join("; ")}`
      )
    }
    const repoRoot = yield* repoRootOf(ctx)
    const file = optional(stateFile)
    const base = optional(baseBranch)
    const kind = optional(agent)
    const adapter = row.adapter({
      repoRoot,
      ...(file === undefined ? {} : { stateFile: argPath(ctx, file) }),
      ...(base === undefined ? {} : { baseBranch: base }),
      ...(kind === undefined ? {} : { agent: kind }),
      ...(ctx.socket === undefined ? {} : { socket: ctx.socket })
    })
    const result = yield* runnerFor(
      ctx,
      ctx.socket
    )(Engine.importState(adapter, { save: !dryRun })).pipe(
      Effect.tapError((e) =>
        ctx.json || e._tag !== "EngineError"
          ? Effect.void
          : Effect.forEach(problemsOf(e.details), (p) => note(`  - ${p}`), { discard: true })
      )
    )
    const doc = importJson(result, dryRun)
    yield* emit(
      ctx,
      () => jsonDocument(ImportOutput, doc),
      () => renderImport(ctx.out, doc)
    )
  })
).pipe(
  Command.withShortDescription("Take over another orchestrator's batch (taskplane)"),
  Command.withDescription(
    "Read another orchestrator's persisted batch, map it to rekindle's terms and save it under .rekindle/<batch>/, so plan, resume, status and the rest work on it. The foreign files are only read. --dry-run shows the mapped batch and writes nothing; a batch that cannot be taken over is refused with every reason at once, and nothing is written."
  ),
  Command.withExamples([
    { command: "rekindle import taskplane --dry-run", description: "show the mapped batch, write nothing" },
    { command: "rekindle import taskplane --repo ~/src/shop", description: "import, then `rekindle plan`" },
    { command: "rekindle import taskplane --base-branch main", description: "a v1 state that records no branch" }
  ])
)
