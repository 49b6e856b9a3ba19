/**
 * Recording an agent's folder trust for the repository root (the `trustRepository` policy, docs/agents.md). The
 * agent's config file is the user's: it is read whole, ONE key is set to `true`, and it is written back atomically
 * (a temp file in the same directory, then rename), keeping every other key and the file's mode. A file that is not
 * a JSON object is never rewritten: the launch fails with a clear error instead. Nothing else is ever changed.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import { AgentError, type TrustChange, type TrustRule } from "../../core/ports/AgentLauncher.ts"
import { resolveRoot } from "./TranscriptPath.ts"

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

/** The key path with `{repoRoot}` substituted (exact segments: a path with dots stays one segment). */
const trustKey = (rule: TrustRule, repoRoot: string): ReadonlyArray<string> =>
  rule.key.map((k) => (k === "{repoRoot}" ? repoRoot : k))

/** `projects["/repo"].hasTrustDialogAccepted`: how plans and docs show a key path. */
export const showKey = (key: ReadonlyArray<string>): string =>
  key
    .map((k, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${i === 0 ? "" : "."}${k}` : `[${JSON.stringify(k)}]`))
    .join("")

/** Whether `doc` already holds `true` at `key`. */
export const hasTrust = (doc: Json, key: ReadonlyArray<string>): boolean => {
  let at: unknown = doc
  for (const k of key) {
    if (!isObject(at) || !Object.hasOwn(at, k)) return false
    at = at[k]
  }
  return at === true
}

/** `doc` with `true` at `key`, every other key kept; undefined when a segment on the way is not an object. */
export const withTrust = (doc: Json, key: ReadonlyArray<string>): Json | undefined => {
  const [head, ...rest] = key
  if (head === undefined) return undefined
  if (rest.length === 0) return { ...doc, [head]: true }
  const child = Object.hasOwn(doc, head) ? doc[head] : {}
  if (!isObject(child)) return undefined
  const next = withTrust(child, rest)
  return next === undefined ? undefined : { ...doc, [head]: next }
}

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
  const file = path.resolve(resolveRoot(rule.root, { ...where, cwd: repoRoot }), rule.path)
  const key = trustKey(rule, repoRoot)
  const shown = showKey(key)
  const exists = yield* fs.exists(file).pipe(Effect.mapError(io))
  const text = exists ? yield* fs.readFileString(file).pipe(Effect.mapError(io)) : "{}"
  let doc: unknown
  try {
    doc = text.trim() === "" ? {} : JSON.parse(text)
  } catch {
    return yield* invalid(`${file} is not JSON: trust for ${repoRoot} cannot be recorded (the file was left as it is)`)
  }
  if (!isObject(doc)) return yield* invalid(`${file} is not a JSON object: left as it is`)
  if (hasTrust(doc, key)) return { file, key: shown, changed: false } satisfies TrustChange
  const next = withTrust(doc, key)
  if (next === undefined)
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
    yield* fs.writeFileString(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode }).pipe(Effect.mapError(io))
    yield* fs.rename(tmp, file).pipe(
      Effect.tapError(() => Effect.ignore(fs.remove(tmp, { force: true }))),
      Effect.mapError(io)
    )
  }
  return { file, key: shown, changed: true } satisfies TrustChange
})
