/**
 * Publishing batch events (core/domain/Notification.ts): each is appended as one JSON line to
 * `.rekindle/<batch>/notifications.jsonl` (what `rekindle events` prints) and, when the batch's
 * manifest named `options.notify` and a Notifier is provided, given to that program on stdin. A
 * notifier that fails or hangs never stops the batch: the failure is journaled and the batch goes on.
 * Delivery is at least once: a supervisor killed after an event and before it persisted the
 * transition sends it again.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { batchPaths } from "../../domain/Layout.ts"
import { BatchEvent } from "../../domain/Notification.ts"
import type { BatchState } from "../../domain/State.ts"
import { Notifier } from "../../ports/Notifier.ts"
import { record } from "../apply/Journaled.ts"

const encode = Schema.encodeSync(BatchEvent)

/** Where a batch's events are kept. */
export const eventsPath = (repoRoot: string, batchId: string): string =>
  `${batchPaths(repoRoot, batchId).dir}/notifications.jsonl`

/** Publish `event` of `state`'s batch: its line in the events file, then the notify program. */
export const publish = Effect.fn("Events.publish")(function* (state: BatchState, event: BatchEvent | undefined) {
  if (event === undefined) return
  const line = `${JSON.stringify(encode(event))}\n`
  const fs = yield* FileSystem.FileSystem
  yield* fs
    .writeFileString(eventsPath(state.repoRoot, state.batchId), line, { flag: "a", mode: 0o600 })
    .pipe(Effect.ignore)
  const argv = state.options?.notify
  if (argv === undefined || argv.length === 0) return
  const notifier = yield* Effect.serviceOption(Notifier)
  if (Option.isNone(notifier)) return
  yield* notifier.value.notify(argv, line).pipe(
    Effect.catch((e) =>
      record(batchPaths(state.repoRoot, state.batchId).journal, {
        key: `${state.batchId}:notify`,
        phase: "info",
        kind: "notify_failed",
        data: { event: event.kind, reason: e.reason, message: e.message }
      }).pipe(Effect.ignore)
    )
  )
})
