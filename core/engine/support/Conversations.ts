/**
 * Following conversations:
 * - `discovered` kinds (Codex, OpenCode, pi) name their conversation themselves: after a launch, the id is learned
 *   from the agent's own files (by the launcher, attributed by worktree and launch time) and persisted. A running task
 *   is asked again even when its id is known: the agent may have started another conversation since (`/new`), and the
 *   latest one started in its worktree since the launch is the one a resume must continue. A conversation continued by
 *   an exact relaunch started before that launch, so it is not found again and the known id stays; a fresh relaunch
 *   clears the id (Launch), so the new one is learned anew.
 * - an id rekindle assigned (Claude's `--session-id`) can change during the run (`/clear`, compaction): the launcher
 *   reads the agent's own records by its process (core/domain/ConversationFollow.ts).
 * A change of a known id is persisted with a history event naming old → new and a journal line, so a later exact
 * relaunch resumes the latest conversation. Called by the live supervisor on each poll and by `resume` before it plans.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Task } from "../../domain/State.ts"
import { AgentLauncher } from "../../ports/AgentLauncher.ts"
import { record } from "../apply/Journaled.ts"
import type { Applying } from "../apply/PlanContext.ts"
import { kindRequest } from "../waves/Launch.ts"

/** When the task's agent was last launched (its latest `launch:*` history event), if it ever was. */
const lastLaunchAt = (task: Task): number | undefined =>
  (task.history ?? []).filter((e) => e.event.startsWith("launch:")).at(-1)?.at

/** Learn and persist the latest conversation id of every launched, running task. Failures change nothing. */
export const learnConversations = Effect.fn("Conversations.learnConversations")(function* (ctx: Applying) {
  const launcher = yield* AgentLauncher
  const state = yield* ctx.current
  for (const task of state.tasks) {
    const since = lastLaunchAt(task)
    if (task.worktree === undefined || since === undefined) continue
    if (task.status !== "running" && task.status !== "stalled") continue
    const spec = launcher.kinds.find((k) => k.name === task.agent)
    const mode = (state.options?.agents?.find((k) => k.name === task.agent) ?? spec)?.conversation
    const follow = mode === "assigned" && task.conversationId !== undefined
    if (!follow && mode !== "discovered") continue
    const id = yield* launcher
      .discoverConversation({
        ...kindRequest(state, task),
        cwd: task.worktree,
        since,
        ...(follow ? { current: task.conversationId } : {}),
        ...(follow && task.agentProcess !== undefined ? { agent: task.agentProcess } : {})
      })
      .pipe(Effect.orElseSucceed(() => undefined))
    if (id === undefined || id === task.conversationId) continue
    if (task.conversationId === undefined) {
      yield* ctx.updateTask(task.id, (t) => ({ ...t, conversationId: id }))
      continue
    }
    const reason = `the agent moved from conversation ${task.conversationId} to ${id}: a resume continues ${id}`
    const at = yield* Clock.currentTimeMillis
    yield* ctx.updateTask(task.id, (t) => ({
      ...t,
      conversationId: id,
      history: [...(t.history ?? []), { at, event: "conversation", reason }]
    }))
    yield* record(ctx.paths.journal, {
      key: `${state.batchId}:${task.id}:conversation`,
      phase: "info",
      kind: "conversation_followed",
      data: { taskId: task.id, from: task.conversationId, to: id }
    }).pipe(Effect.ignore)
  }
})
