/**
 * The one error every engine use-case fails with: a stable `E_…` code, one human line, and a hint
 * saying what to do next. The CLI prints it (exit code 1, or 2 for usage) and the Promise facade
 * throws it as `RekindleError`.
 */
import * as Schema from "effect/Schema"

/** Every stable error code rekindle reports. */
export const ErrorCode = Schema.Literals([
  "E_USAGE",
  "E_NO_STATE",
  "E_STATE_CORRUPT",
  "E_STATE_VERSION",
  "E_NOT_RESUMABLE",
  "E_LOCKED",
  "E_CONFIRMATION_REQUIRED",
  "E_WORKTREE_MISSING",
  "E_WORKTREE_ARCHIVED",
  "E_WORKTREE_CORRUPT",
  "E_TMUX_UNAVAILABLE",
  "E_GIT_FAILED",
  "E_INVALID_MANIFEST",
  "E_TASK_NOT_FOUND",
  "E_AMBIGUOUS_BATCH",
  "E_UNSAFE_PATH",
  "E_DETACHED_HEAD",
  "E_IO",
  "E_AGENT",
  "E_UNFINISHED_BATCH",
  "E_REQUEST_FAILED",
  "E_REQUEST_PENDING",
  "E_UNSUPPORTED"
])
/** @see ErrorCode */
export type ErrorCode = typeof ErrorCode.Type

/** An engine failure the user can act on. */
export class EngineError extends Schema.TaggedError<EngineError>()("EngineError", {
  code: ErrorCode,
  message: Schema.String,
  hint: Schema.String,
  /** Structured facts for `--json` (lease owner, problems list, candidate batches…). */
  details: Schema.optionalKey(Schema.Unknown)
}) {}

/** Shorthand constructor. */
export const fail = (code: ErrorCode, message: string, hint: string, details?: unknown): EngineError =>
  new EngineError({ code, message, hint, ...(details === undefined ? {} : { details }) })
