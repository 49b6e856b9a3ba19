/**
 * Arguments and flags several commands share, with their help text.
 */
import { Argument, Flag } from "effect/cli"

/** `[batch]`: optional batch id (default: the only / most recent unfinished batch of the repo). */
export const batchArg = Argument.String("batch").pipe(
  Argument.withDescription("Batch id (default: the only or most recent unfinished batch of the repo)"),
  Argument.optional
)

/** `<task>`: a task id of the batch. */
export const taskArg = Argument.String("task").pipe(Argument.withDescription("Task id"))

/** `--batch <id>` for commands whose positional is a task. */
export const batchFlag = Flag.String("batch").pipe(
  Flag.withDescription("Batch id (default: the only or most recent unfinished batch of the repo)"),
  Flag.optional
)

/** `--yes`: confirm a destructive step without asking (required when stdin or stderr is not a terminal). */
export const yesFlag = Flag.Boolean("yes").pipe(
  Flag.withAlias("y"),
  Flag.withDescription("Confirm without asking (required when stdin or stderr is not a terminal)"),
  Flag.withDefault(false)
)

/** `--dry-run`: show what would be done, change nothing. */
export const dryRunFlag = Flag.Boolean("dry-run").pipe(
  Flag.withDescription("Show what would be done and change nothing"),
  Flag.withDefault(false)
)

/** `--force`: admit a stopped or failed batch. */
export const forceFlag = Flag.Boolean("force").pipe(
  Flag.withDescription("Also resume a batch that was stopped (abort) or failed"),
  Flag.withDefault(false)
)
