/**
 * Ways a handler ends other than success and EngineError, and how every ending maps to the exit
 * code: 0 success (also a declined confirmation), 1 operational failure, 2 usage error.
 */
import * as Data from "effect/Data"
import type { ErrorCode } from "../core/engine/support/Errors.ts"

/** The command already printed its document; exit with this code (doctor with a failed check…). */
export class Reported extends Data.TaggedError("Reported")<{ readonly exitCode: number }> {}

/** The code only the CLI reports: a defect in rekindle itself (never expected). */
type CliOnlyCode = "E_INTERNAL"

/** Every code the CLI may print. */
export type AnyCode = ErrorCode | CliOnlyCode

/** Exit code of an error code: usage errors are 2, everything else 1. */
export const exitCodeOf = (code: AnyCode): number => (code === "E_USAGE" ? 2 : 1)
