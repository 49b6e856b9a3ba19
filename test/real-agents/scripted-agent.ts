/**
 * The scripted model every crash scenario of Codex, OpenCode and pi talks to (over the local OpenAI server): the agent
 * commits `<id>.txt`, then — possibly after a hold, while the agent is mid-turn — writes rekindle's done marker, then
 * says it is done. A task is told apart by `TASK=<id>` in its prompt; what the agent already did is read from the
 * conversation the request carries (its earlier shell calls), so a resumed conversation goes on where it stopped and a
 * fresh one starts over (the commit tolerates being made twice).
 */
import { CONTINUATION_PROMPT } from "../../core/engine/waves/Launch.ts"
import { type ModelReply, type ModelTurn, offersShell } from "../support/model-servers/openai.ts"

export { CONTINUATION_PROMPT }

/** The note a fresh relaunch adds to the original prompt (core/engine/waves/Launch.ts). */
export const HANDOFF_NOTE = "[rekindle] This is attempt"

/** The prompt of task `id`: names the task so the script knows whose conversation a request is. */
export const taskPrompt = (id: string): string =>
  `Task ${id}: create ${id}.txt, commit it, then report done. TASK=${id}`

/** The task a request belongs to (from its user turns), if any. */
export const taskOf = (turn: Pick<ModelTurn, "userTexts">): string | undefined => {
  for (const text of turn.userTexts) {
    const hit = /TASK=([A-Za-z0-9_-]+)/.exec(text)
    if (hit?.[1] !== undefined) return hit[1]
  }
  return undefined
}

const commandOf = (args: unknown): string | undefined => {
  try {
    const a = JSON.parse(String(args)) as { cmd?: unknown; command?: unknown }
    const c = a.cmd ?? a.command
    return typeof c === "string" ? c : Array.isArray(c) ? c.map(String).join(" ") : undefined
  } catch {
    return undefined
  }
}

/** The shell commands the model asked for so far in this conversation (Responses items or Chat tool calls). */
export const commandsIn = (turn: ModelTurn): Array<string> => {
  const items = (turn.api === "responses" ? turn.body["input"] : turn.body["messages"]) as unknown
  if (!Array.isArray(items)) return []
  return items.flatMap((item: Record<string, unknown>) => {
    if (item["type"] === "function_call") return [commandOf(item["arguments"])].filter((c) => c !== undefined)
    const calls = item["role"] === "assistant" ? item["tool_calls"] : undefined
    return Array.isArray(calls)
      ? calls.flatMap((c: { function?: { arguments?: unknown } }) =>
          [commandOf(c.function?.arguments)].filter((x) => x !== undefined)
        )
      : []
  })
}

/** How many user turns of the conversation contain `text`. */
export const userTurnsWith = (turn: Pick<ModelTurn, "userTexts">, text: string): number =>
  turn.userTexts.filter((u) => u.includes(text)).length

/** How many continuation turns rekindle sent into this conversation. */
export const continuationTurns = (turn: Pick<ModelTurn, "userTexts">): number =>
  userTurnsWith(turn, CONTINUATION_PROMPT)

/** The agent's commit of `<id>.txt` (tolerates being made twice). */
export const commit = (id: string) =>
  `echo ${id} > ${id}.txt && git add ${id}.txt && (git commit -q -m "agent ${id}" || true) && echo committed`
/** The agent writing rekindle's done marker. */
export const MARK = `printf '{"status":"succeeded","summary":"scripted"}' > "$REKINDLE_DONE_FILE" && echo marked`

/**
 * The script. `holdBeforeMarker(id, turn)` returns a promise to wait on before the marker (the agent is mid-turn) or
 * undefined to go on. Side requests (no shell tool: a title) get text.
 */
export const scriptedAgent =
  (holdBeforeMarker: (id: string, turn: ModelTurn) => Promise<unknown> | undefined = () => undefined) =>
  (turn: ModelTurn): ModelReply => {
    if (!offersShell(turn)) return { text: "Scripted task" }
    const id = taskOf(turn) ?? "unknown"
    const done = commandsIn(turn)
    if (!done.some((c) => c.includes(`git add ${id}.txt`))) return { shell: commit(id) }
    if (!done.some((c) => c.includes("REKINDLE_DONE_FILE"))) {
      const hold = holdBeforeMarker(id, turn)
      return hold === undefined ? { shell: MARK } : { hold: hold.then((): ModelReply => ({ shell: MARK })) }
    }
    return { text: `Task ${id} is done.` }
  }

/**
 * Hold each task's marker request for good (the connection dies with the agent) until its conversation carries `until`
 * (a continuation turn, a hand-off note); `held` collects the task ids that reached the hold.
 */
export const holdUntil = (held: Set<string>, until: (turn: ModelTurn) => boolean) =>
  scriptedAgent((id, turn) => {
    if (until(turn)) return undefined
    held.add(id)
    return new Promise<never>(() => {})
  })

/** The agent's requests (those offering a shell tool) of task `id`. */
export const requestsOf = (turns: ReadonlyArray<ModelTurn>, id: string): Array<ModelTurn> =>
  turns.filter((t) => offersShell(t) && taskOf(t) === id)
