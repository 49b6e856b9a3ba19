/**
 * Entry point for every state document read from disk: version check, then Schema decode.
 *
 * Versions are checked before decoding so a newer file is reported as "newer", not as a pile of field
 * errors, and is never overwritten by an older rekindle.
 */
import * as Data from "effect/Data"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { BatchState, STATE_VERSION } from "./State.ts"

/** Versions this build can read (older ones are migrated in memory). */
export const SUPPORTED_STATE_VERSIONS: ReadonlyArray<number> = [STATE_VERSION]

/** The document carries a version this build does not know (newer, or not a version at all). */
export class StateVersionError extends Data.TaggedError("StateVersionError")<{
  readonly found: unknown
  readonly supported: ReadonlyArray<number>
  readonly message: string
}> {}

/** The document has the right version but does not match the Schema. */
export class StateDecodeError extends Data.TaggedError("StateDecodeError")<{
  /** Human-readable issue list with field paths (`at ["tasks"][3]["status"]`). */
  readonly message: string
}> {}

const decode = Schema.decodeUnknownResult(BatchState, { errors: "all" })

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Accept a parsed JSON value of any known state version and return the current-version state.
 * Refuses newer or unknown versions with the version found and the versions supported.
 */
export const migrateState = (input: unknown): Result.Result<BatchState, StateVersionError | StateDecodeError> => {
  if (!isRecord(input)) {
    return Result.fail(new StateDecodeError({ message: "state document is not a JSON object" }))
  }
  const found = input["version"]
  if (found !== STATE_VERSION) {
    const why =
      typeof found === "number" && Number.isInteger(found) && found > STATE_VERSION
        ? `state version ${found} is newer than this rekindle supports (${SUPPORTED_STATE_VERSIONS.join(", ")}); upgrade rekindle`
        : `state version ${JSON.stringify(found) ?? "undefined"} is not a known version (supported: ${SUPPORTED_STATE_VERSIONS.join(", ")})`
    return Result.fail(new StateVersionError({ found, supported: SUPPORTED_STATE_VERSIONS, message: why }))
  }
  return Result.mapError(decode(input), (e) => new StateDecodeError({ message: e.message }))
}

/** Encode a state for writing (the inverse of the decode in {@link migrateState}). */
export const encodeState: (state: BatchState) => unknown = Schema.encodeSync(BatchState)
