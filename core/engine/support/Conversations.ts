/**
 * Following conversations an agent names itself (`discovered` kinds: Codex, OpenCode, pi): after a launch,
 * the id is learned from the agent's own files (by the launcher, attributed by worktree and launch
 * time) and persisted, so a later resume can continue exactly that conversation. A running task is asked
 * again even when its id is known: the agent may have started another conversation since (`/new`), and
 * the latest one started in its worktree since the launch is the one a resume must continue. A
 * conversation continued by an exact relaunch started before that launch, so it is not found again and
 * the known id stays; a fresh relaunch clears the id (Launch), so the new one is learned anew.
 */
import * as Effect from "effect/Effect"
import type { Task } from "../../domain/State.ts"
import { AgentLauncher } from "../../ports/AgentLauncher.ts"
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
    if (mode !== "discovered") continue
    const id = yield* launcher
      .discoverConversation({ ...kindRequest(state, task), cwd: task.worktree, since })
      .pipe(Effect.orElseSucceed(() => undefined))
    if (id !== undefined && id !== task.conversationId)
      yield* ctx.updateTask(task.id, (t) => ({ ...t, conversationId: id }))
  }
})
