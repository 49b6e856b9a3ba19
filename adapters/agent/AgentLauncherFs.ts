/**
 * AgentLauncher over Effect's FileSystem + Path: argv from the (pure) table, transcript checks on
 * files. The live layer reads the real home, environment and a random UUID generator; the fake
 * (AgentLauncherFake.ts) is this same code over an in-memory FileSystem with fixed inputs.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import { randomUUID } from "node:crypto"
import * as os from "node:os"
import { AgentError, AgentLauncher, type AgentKindSpec, type TranscriptCheck } from "../../core/ports/AgentLauncher.ts"
import { buildFresh, buildResume, type BuildFailure } from "./AgentArgv.ts"
import { BUILTIN_KINDS, mergeKinds } from "./AgentKinds.ts"
import { checkFile } from "./TranscriptCheck.ts"
import { pinnedEnv, transcriptTarget } from "./TranscriptPath.ts"

/** Inputs the adapter must not invent itself (so tests and the fake can fix them). */
interface AgentLauncherOptions {
  /** Kinds overlaid on the built-in table (same name replaces). */
  readonly kinds?: ReadonlyArray<AgentKindSpec>
  readonly home: string
  /** rekindle's environment: selects transcript roots (CLAUDE_CONFIG_DIR, CODEX_HOME). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Conversation ids for `assigned` kinds. Claude requires a UUID. */
  readonly newId: Effect.Effect<string>
}

const io = (e: PlatformError.PlatformError) => new AgentError({ reason: "Io", message: e.message })
const fromBuild = <A>(r: Result.Result<A, BuildFailure>): Effect.Effect<A, AgentError> =>
  Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(new AgentError(r.failure))

/** Build the adapter. */
export const make = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  options: AgentLauncherOptions
): AgentLauncher["Service"] => {
  const kinds = mergeKinds(BUILTIN_KINDS, options.kinds ?? [])
  const lookup = (kind: string): Effect.Effect<AgentKindSpec, AgentError> => {
    const spec = kinds.find((k) => k.name === kind)
    return spec === undefined
      ? Effect.fail(
          new AgentError({
            reason: "UnknownKind",
            message: `unknown agent kind "${kind}" (known: ${kinds.map((k) => k.name).join(", ")})`
          })
        )
      : Effect.succeed(spec)
  }

  const freshArgv = Effect.fn("AgentLauncher.freshArgv")(function* (
    request: Parameters<AgentLauncher["Service"]["freshArgv"]>[0]
  ) {
    const spec = yield* lookup(request.kind)
    const given = request.conversationId
    const conversationId =
      spec.conversation !== "assigned" ? undefined : given !== undefined && given !== "" ? given : yield* options.newId
    return yield* fromBuild(buildFresh(spec, { ...request, conversationId }, pinnedEnv(spec.transcript, options.env)))
  })

  const resumeArgv = Effect.fn("AgentLauncher.resumeArgv")(function* (
    request: Parameters<AgentLauncher["Service"]["resumeArgv"]>[0]
  ) {
    const spec = yield* lookup(request.kind)
    return yield* fromBuild(buildResume(spec, request, pinnedEnv(spec.transcript, options.env)))
  })

  // Claude records the physical cwd (symlinks resolved); try that first, then the path as given.
  const cwdCandidates = (cwd: string) =>
    fs.realPath(cwd).pipe(
      Effect.map((real) => (real === cwd ? [cwd] : [real, cwd])),
      Effect.catch(() => Effect.succeed([cwd]))
    )

  const locate = Effect.fn("AgentLauncher.locate")(function* (
    spec: AgentKindSpec,
    conversationId: string,
    cwd: string
  ) {
    const tried: Array<string> = []
    for (const candidate of yield* cwdCandidates(cwd)) {
      const target = transcriptTarget(spec.transcript, {
        home: options.home,
        env: options.env,
        cwd: candidate,
        conversationId
      })
      if (Result.isFailure(target)) return { problem: target.failure }
      const t = target.success
      if (t.type === "none") return { problem: `no transcript check for ${spec.name}` }
      if (t.type === "file") {
        const file = path.resolve(t.root, t.path)
        if (tried.includes(file)) continue
        tried.push(file)
        if (yield* fs.exists(file)) return { file }
      } else {
        const matches = yield* fs.glob(t.pattern, { root: t.root })
        const found = [...matches].sort().at(-1)
        if (found !== undefined) return { file: path.resolve(t.root, found) }
        tried.push(path.join(t.root, t.pattern))
      }
    }
    return { problem: `no transcript at ${tried.join(" or ")}` }
  })

  const validateTranscript = Effect.fn("AgentLauncher.validateTranscript")(function* (
    request: Parameters<AgentLauncher["Service"]["validateTranscript"]>[0]
  ) {
    const spec = yield* lookup(request.kind)
    const where = yield* locate(spec, request.conversationId, request.cwd).pipe(Effect.mapError(io))
    if ("problem" in where) return { valid: false, reason: where.problem } satisfies TranscriptCheck
    const format = spec.transcript.type === "none" ? "text" : spec.transcript.format
    const verdict = yield* checkFile(fs, where.file, format).pipe(
      Effect.map((v): TranscriptCheck => ({ ...v, path: where.file })),
      Effect.catchReason("PlatformError", "NotFound", () =>
        // removed between locate and open
        Effect.succeed<TranscriptCheck>({
          valid: false,
          path: where.file,
          reason: "transcript vanished while being checked"
        })
      ),
      Effect.mapError(io)
    )
    return verdict
  })

  return AgentLauncher.of({ kinds, freshArgv, resumeArgv, validateTranscript })
}

/** The live layer: real home, process environment, random UUIDs; configured kinds overlaid. */
export const layer = (
  config: { readonly kinds?: ReadonlyArray<AgentKindSpec> } = {}
): Layer.Layer<AgentLauncher, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    AgentLauncher,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      return make(fs, path, { ...config, home: os.homedir(), env: process.env, newId: Effect.sync(() => randomUUID()) })
    })
  )
