/**
 * Fake AgentLauncher: the real adapter's code over an in-memory FileSystem (transcripts are files in
 * it), with a fixed home and environment and deterministic conversation ids. Plus builders for test
 * tables and a driver that writes a transcript where a kind's rule says it lives.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import * as Result from "effect/Result"
import { AgentLauncher, type AgentKindSpec } from "../../core/ports/AgentLauncher.ts"
import { make as makeFs } from "./AgentLauncherFs.ts"
import { transcriptTarget } from "./TranscriptPath.ts"

/** The fake machine's home directory. */
export const FAKE_HOME = "/home/rekindle"

/** Deterministic UUIDs (v4-shaped): 00000000-0000-4000-8000-000000000001, …002, … per generator. */
export const sequentialIds = (): Effect.Effect<string> => {
  let n = 0
  return Effect.sync(() => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`)
}

/** Options of the fake; everything defaults to a fixed, empty-environment machine. */
interface FakeLauncherOptions {
  readonly kinds?: ReadonlyArray<AgentKindSpec>
  readonly home?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly newId?: Effect.Effect<string>
}

const posix: Path.Path = Effect.runSync(Path.Path.useSync((p) => p).pipe(Effect.provide(Path.layer)))

/** Build the fake over `fs` (an in-memory FileSystem). */
export const make = (fs: FileSystem.FileSystem, options: FakeLauncherOptions = {}): AgentLauncher["Service"] =>
  makeFs(fs, posix, {
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
    home: options.home ?? FAKE_HOME,
    env: options.env ?? {},
    newId: options.newId ?? sequentialIds()
  })

/** Layer form of {@link make}. */
export const layer = (fs: FileSystem.FileSystem, options: FakeLauncherOptions = {}): Layer.Layer<AgentLauncher> =>
  Layer.sync(AgentLauncher, () => make(fs, options))

/**
 * A test-table row: by default a kind that takes its prompt after `--`, resumes with `--resume <id>`
 * (ids assigned up front) and keeps a JSONL transcript at `~/.<name>/<id>.jsonl`.
 */
export const kindSpec = (name: string, overrides: Partial<AgentKindSpec> = {}): AgentKindSpec => ({
  name,
  executable: name,
  fresh: ["--id", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  resume: ["--resume", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  conversation: "assigned",
  transcript: { type: "file", root: { default: `~/.${name}` }, path: "{conversationId}.jsonl", format: "jsonl" },
  ...overrides
})

/**
 * Where `kind`'s transcript for this conversation lives (file rules only): for drivers that plant or
 * corrupt a transcript. Throws on a rule without a single path (glob/none): a test bug.
 */
export const transcriptPathFor = (
  spec: AgentKindSpec,
  where: {
    readonly cwd: string
    readonly conversationId: string
    readonly home?: string
    readonly env?: Readonly<Record<string, string | undefined>>
  }
): string => {
  const target = transcriptTarget(spec.transcript, {
    home: where.home ?? FAKE_HOME,
    env: where.env ?? {},
    cwd: where.cwd,
    conversationId: where.conversationId
  })
  if (Result.isFailure(target) || target.success.type !== "file")
    throw new Error(`kind ${spec.name} has no single transcript path`)
  return posix.resolve(target.success.root, target.success.path)
}
