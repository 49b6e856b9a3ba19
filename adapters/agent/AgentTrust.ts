/**
 * Recording an agent's folder trust for the repository root (the `trustRepository` policy, docs/agents.md). The
 * agent's config file is the user's: it is read whole, ONE key is set to the rule's value (`true` unless it says
 * otherwise), and it is written back atomically (a temp file in the same directory, then rename), keeping every other
 * key and the file's mode. A file that is not a JSON object is never rewritten: the launch fails with a clear error
 * instead. A different value the user chose for that key (Gemini's `DO_NOT_TRUST`) is left, and said so. Nothing else
 * is ever changed.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import { decideTrust, isJsonObject, showKey, trustKey, trustValue } from "../../core/domain/Trust.ts"
import { AgentError, type TrustChange, type TrustRule } from "../../core/ports/AgentLauncher.ts"
import { resolveRoot } from "./TranscriptPath.ts"

const invalid = (message: string) => new AgentError({ reason: "Invalid", message })
const io = (e: PlatformError.PlatformError) => new AgentError({ reason: "Io", message: e.message })

/** Record (or preview) `rule`'s trust for `repoRoot`. */
export const recordTrust = Effect.fn("AgentTrust.recordTrust")(function* (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  where: { readonly home: string; readonly env: Readonly<Record<string, string | undefined>> },
  rule: TrustRule,
  repoRoot: string,
  preview: boolean
) {
  const named = rule.fileEnv === undefined ? "" : (where.env[rule.fileEnv] ?? "")
  // The agent resolves a relative name against ITS cwd (a task worktree), which is not known here.
  if (named !== "" && !path.isAbsolute(named))
    return yield* invalid(`${rule.fileEnv}=${named} is not an absolute path: trust for ${repoRoot} cannot be recorded`)
  const file = named !== "" ? named : path.resolve(resolveRoot(rule.root, { ...where, cwd: repoRoot }), rule.path)
  const shown = showKey(trustKey(rule, repoRoot))
  const value = JSON.stringify(trustValue(rule))
  const exists = yield* fs.exists(file).pipe(Effect.mapError(io))
  const text = exists ? yield* fs.readFileString(file).pipe(Effect.mapError(io)) : "{}"
  let doc: unknown
  try {
    doc = text.trim() === "" ? {} : JSON.parse(text)
  } catch {
    return yield* invalid(`${file} is not JSON: trust for ${repoRoot} cannot be recorded (the file was left as it is)`)
  }
  if (!isJsonObject(doc)) return yield* invalid(`${file} is not a JSON object: left as it is`)
  const step = decideTrust(doc, rule, repoRoot)
  if (step._tag === "Trusted") return { file, key: shown, value, changed: false } satisfies TrustChange
  if (step._tag === "Kept")
    return { file, key: shown, value, changed: false, kept: JSON.stringify(step.found) } satisfies TrustChange
  if (step._tag === "Blocked")
    return yield* invalid(`${file}: a value on the way to ${shown} is not an object; left as it is`)
  if (!preview) {
    const mode = exists
      ? yield* fs.stat(file).pipe(
          Effect.map((i) => i.mode & 0o777),
          Effect.mapError(io)
        )
      : 0o600
    const tmp = `${file}.rekindle-${process.pid}-${Date.now()}.tmp`
    yield* fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(Effect.mapError(io))
    yield* fs.writeFileString(tmp, `${JSON.stringify(step.doc, null, 2)}\n`, { mode }).pipe(Effect.mapError(io))
    yield* fs.rename(tmp, file).pipe(
      Effect.tapError(() => Effect.ignore(fs.remove(tmp, { force: true }))),
      Effect.mapError(io)
    )
  }
  return { file, key: shown, value, changed: true } satisfies TrustChange
})
