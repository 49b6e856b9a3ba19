/**
 * Pure bytes ⇄ state for the state file: strict UTF-8, JSON, then `migrateState` (version check and
 * Schema decode). Every refusal is a StateStoreError that says where the document is broken.
 */
import * as Result from "effect/Result"
import { encodeState, migrateState } from "../../core/domain/Migrate.ts"
import type { BatchState } from "../../core/domain/State.ts"
import { StateStoreError } from "../../core/ports/StateStore.ts"
import { fieldPathOf, locateJsonError } from "./JsonLocate.ts"

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const firstIssues = (message: string, n: number): string => {
  const lines = message.split("\n")
  const out: Array<string> = []
  for (const line of lines) {
    if (!line.startsWith(" ") && out.filter((l) => !l.startsWith(" ")).length === n) break
    out.push(line)
  }
  return out.join("\n") + (out.length < lines.length ? "\n…" : "")
}

const syntax = (path: string, bytes: Uint8Array, fallback: string): StateStoreError => {
  const issue = locateJsonError(bytes)
  return issue === undefined
    ? new StateStoreError({ reason: "Corrupt", path, message: `${path} is not valid JSON: ${fallback}` })
    : new StateStoreError({
        reason: "Corrupt",
        path,
        message: `${path} is not valid JSON: ${issue.message}`,
        byteOffset: issue.offset,
        line: issue.line,
        column: issue.column
      })
}

/** Decode the bytes of a state file read from `path` (used only for messages). */
export const decodeStateBytes = (path: string, bytes: Uint8Array): Result.Result<BatchState, StateStoreError> => {
  let json: unknown
  try {
    json = JSON.parse(utf8.decode(bytes))
  } catch (e) {
    return Result.fail(syntax(path, bytes, e instanceof Error ? e.message : String(e)))
  }
  return Result.mapError(migrateState(json), (e) => {
    if (e._tag === "StateVersionError") {
      return new StateStoreError({
        reason: "Version",
        path,
        message: `${path}: ${e.message}`,
        found: e.found,
        supported: e.supported
      })
    }
    const fieldPath = fieldPathOf(e.message)
    return new StateStoreError({
      reason: "Corrupt",
      path,
      message: `${path} does not match the state schema${fieldPath === undefined ? "" : ` at ${fieldPath}`}:\n${firstIssues(e.message, 3)}`,
      ...(fieldPath === undefined ? {} : { fieldPath })
    })
  })
}

const encoder = new TextEncoder()

/**
 * The largest state file rekindle reads or writes. A real state is a few KB per task (a
 * thousand-task batch is about 1.5 MB); the cap keeps a runaway or hostile file (50 MB of padding,
 * gigabytes of garbage) from being read whole into memory, and save refuses to write what load would refuse.
 */
export const MAX_STATE_BYTES = 32 * 1024 * 1024

/** The refusal of a state file of `size` bytes (more than {@link MAX_STATE_BYTES}); it is left untouched. */
export const tooLarge = (path: string, size: number): StateStoreError =>
  new StateStoreError({
    reason: "Corrupt",
    path,
    message: `${path} is ${size} bytes, more than the ${MAX_STATE_BYTES} bytes a rekindle state file may hold; it was not read`
  })

/** The bytes `save` writes for `state`: Schema-encoded, 2-space JSON, final newline. */
export const encodeStateBytes = (path: string, state: BatchState): Result.Result<Uint8Array, StateStoreError> => {
  try {
    const bytes = encoder.encode(`${JSON.stringify(encodeState(state), null, 2)}\n`)
    if (bytes.length > MAX_STATE_BYTES) {
      return Result.fail(
        new StateStoreError({
          reason: "Invalid",
          path,
          message: `refusing to save a state of ${bytes.length} bytes to ${path} (nothing written): more than the ${MAX_STATE_BYTES} bytes load accepts`
        })
      )
    }
    return Result.succeed(bytes)
  } catch (e) {
    return Result.fail(
      new StateStoreError({
        reason: "Invalid",
        path,
        message: `refusing to save an invalid state to ${path} (nothing written): ${e instanceof Error ? e.message : String(e)}`
      })
    )
  }
}
