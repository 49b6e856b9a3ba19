/**
 * Dangling intents: journal keys with an intent line and no done line are what a crash interrupted.
 * Before planning, the ones whose effect is visible in the world are completed in the state (a
 * session that did get created, a merge that did land) so the plan starts from the truth. The rest
 * stay dangling: if the new plan needs the same step, the journal protocol re-examines it then.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { ownershipTag } from "../../domain/Naming.ts"
import type { BatchState } from "../../domain/State.ts"
import { Journal, type JournalEvent } from "../../ports/Journal.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import type { Applying } from "./PlanContext.ts"
import { fail } from "../support/Errors.ts"
import { record } from "./Journaled.ts"
import { withContinuationSent } from "../waves/Launch.ts"

/** Intents without a done line, oldest first. */
export const danglingIntents = Effect.fn("Intents.dangling")(function* (journalPath: string) {
  const journal = yield* Journal
  const contents = yield* journal
    .read(journalPath)
    .pipe(
      Effect.mapError((e) => fail("E_IO", `cannot read the journal: ${e.message}`, "check the .rekindle directory"))
    )
  const done = new Set(contents.events.filter((e) => e.phase === "done").map((e) => e.key))
  const open = new Map<string, JournalEvent>()
  for (const e of contents.events) if (e.phase === "intent" && !done.has(e.key)) open.set(e.key, e)
  return { intents: [...open.values()], tornTail: contents.tornTail }
})

const field = (data: unknown, name: string): unknown =>
  typeof data === "object" && data !== null ? (data as Record<string, unknown>)[name] : undefined

/**
 * Complete the dangling intents whose effect landed. Returns how many were recovered, and whether
 * the journal's last line was torn (a crash mid-append: ignored, and reported to the user).
 */
export const recoverIntents = Effect.fn("Intents.recover")(function* (ctx: Applying) {
  const { intents, tornTail } = yield* danglingIntents(ctx.paths.journal)
  let recovered = 0
  for (const intent of intents) {
    const state: BatchState = yield* ctx.current
    if (intent.kind === "relaunch") {
      const [, , taskId, attempt] = intent.key.split(":")
      const snap = yield* (yield* Tmux).snapshot
      const live =
        snap.state === "up"
          ? snap.panes.find((p) => p.taskTag === ownershipTag(state.batchId, taskId ?? "") && !p.dead)
          : undefined
      if (live === undefined || taskId === undefined) continue
      const procs = yield* ProcessTable
      const info = yield* procs.snapshot.pipe(
        Effect.map((ps) => ps.find((p) => p.pid === live.panePid)),
        Effect.orElseSucceed(() => undefined)
      )
      const self = yield* procs.self.pipe(Effect.option)
      const now = yield* Clock.currentTimeMillis
      const task = state.tasks.find((t) => t.id === taskId)
      const attempts = Math.max(task?.attempts ?? 0, Number(attempt) || (task?.attempts ?? 0))
      // An exact-conversation relaunch carried the continuation turn in its argv: the ledger records it
      // here too, or a crash right after the launch would leave a turn the model got and no entry for it.
      const continued = field(intent.data, "mode") === "resume" && task?.conversationId !== undefined
      yield* ctx.update((s) => ({
        ...s,
        tasks: s.tasks.map((t) =>
          t.id !== taskId
            ? t
            : {
                ...t,
                status: "running",
                attempts,
                session: live.sessionName,
                startedAt: t.startedAt ?? now,
                history: [
                  ...(t.history ?? []),
                  {
                    at: now,
                    event: `launch:${continued ? "resume" : String(field(intent.data, "mode") ?? "fresh")}`,
                    reason: "a relaunch a crash interrupted had landed: adopted"
                  }
                ],
                ...(info === undefined || self._tag === "None"
                  ? {}
                  : { agentProcess: { pid: live.panePid, startTime: info.startTime, host: self.value.host } })
              }
        ),
        prompts: continued ? withContinuationSent(s.prompts, taskId, attempts, now) : s.prompts
      }))
    } else if (intent.kind === "merge") {
      const branch = field(intent.data, "branch")
      const target = field(intent.data, "target")
      const wave = field(intent.data, "wave")
      const lane = field(intent.data, "lane")
      if (
        typeof branch !== "string" ||
        typeof target !== "string" ||
        typeof wave !== "number" ||
        typeof lane !== "string"
      )
        continue
      const git = yield* Worktrees
      const landed = yield* git.isAncestor(state.repoRoot, branch, target).pipe(Effect.orElseSucceed(() => false))
      if (!landed) continue
      const commit = yield* git.revParse(state.repoRoot, target).pipe(Effect.orElseSucceed(() => ""))
      const now = yield* Clock.currentTimeMillis
      yield* ctx.update((s) => ({
        ...s,
        merges: [...s.merges, { wave, lane, status: "succeeded", at: now, ...(commit === "" ? {} : { commit }) }]
      }))
    } else continue
    yield* record(ctx.paths.journal, {
      key: intent.key,
      phase: "done",
      kind: intent.kind,
      data: { outcome: "recovered" }
    })
    recovered++
  }
  return { recovered, tornTail }
})
