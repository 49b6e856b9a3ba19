/**
 * Claude Code in a real-agent world: the temp HOME of a user who has used Claude once (onboarding done, this API key
 * approved — NOT the repository's trust: recording that is rekindle's job), its environment pointed at a local
 * Anthropic server, and the scripted agent every scenario uses: commit a file, (optionally wait), write the done marker.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { CONTINUATION_PROMPT } from "../../../core/engine/waves/Launch.ts"
import {
  type AnthropicServer,
  messageText,
  type RecordedRequest,
  type Script,
  startAnthropicServer,
  type Turn
} from "../model-servers/anthropic.ts"
import type { AgentWorld } from "./world.ts"

export { CONTINUATION_PROMPT }

/** A syntactically plausible key; Claude remembers approvals by its last 20 characters. */
export const TEST_API_KEY = "sk-ant-api03-rekindle-test-key-0123456789abcdefghijklmnop"

/**
 * ~/.claude.json of a returning user (`hasCompletedOnboarding`, `customApiKeyResponses.approved`) and ~/.claude/
 * settings.json letting Bash run without a question (`permissions.allow`) in `acceptEdits` mode: Claude's default
 * "auto" mode asks a server-side classifier first, which a local server cannot answer (measured: it then stops the turn).
 */
export const seedClaudeHome = (home: string): void => {
  fs.writeFileSync(
    path.join(home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: [TEST_API_KEY.slice(-20)], rejected: [] },
      userNote: "kept by rekindle"
    })
  )
  fs.mkdirSync(path.join(home, ".claude"), { recursive: true })
  fs.writeFileSync(
    path.join(home, ".claude", "settings.json"),
    JSON.stringify({ permissions: { allow: ["Bash"], defaultMode: "acceptEdits" } })
  )
}

/** The environment Claude needs to talk to the local server only. */
export const claudeEnv = (server: AnthropicServer): Record<string, string> => ({
  ANTHROPIC_BASE_URL: server.url,
  ANTHROPIC_API_KEY: TEST_API_KEY,
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  DISABLE_AUTOUPDATER: "1"
})

/** The prompt of task `id`: names the task so the script knows whose conversation a request is. */
export const taskPrompt = (id: string): string =>
  `Task ${id}: create ${id}.txt, commit it, then report done. TASK=${id}`

/** The task id of a main-conversation request (from its first user turn). */
export const taskOf = (r: RecordedRequest): string | undefined => {
  for (const m of r.messages) {
    const hit = /TASK=([A-Za-z0-9_-]+)/.exec(messageText(m))
    if (hit?.[1] !== undefined) return hit[1]
  }
  return undefined
}

/** The Bash commands the model asked for so far in this conversation. */
export const commandsIn = (r: RecordedRequest): Array<string> =>
  r.messages.flatMap((m) =>
    m.role === "assistant" && Array.isArray(m.content)
      ? m.content.flatMap((b: unknown) => {
          const block = b as { type?: string; input?: { command?: unknown } }
          return block.type === "tool_use" && typeof block.input?.command === "string" ? [block.input.command] : []
        })
      : []
  )

/** Whether the conversation contains rekindle's continuation turn, and how many times. */
export const continuationTurns = (r: RecordedRequest): number =>
  r.messages.filter((m) => m.role === "user" && messageText(m).includes(CONTINUATION_PROMPT)).length

const commit = (id: string) =>
  `echo ${id} > ${id}.txt && git add ${id}.txt && (git commit -q -m "agent ${id}" || true) && echo committed`
const MARK = `printf '{"status":"succeeded","summary":"scripted"}' > "$REKINDLE_DONE_FILE" && echo marked`

/**
 * The scripted agent: commit `<id>.txt`, then write the done marker, then say done. `holdBeforeMarker(id, request)`
 * returns a promise to wait on before the marker (the agent is then mid-turn) or undefined to go on.
 */
export const claudeScript =
  (holdBeforeMarker: (id: string, r: RecordedRequest) => Promise<Turn> | undefined = () => undefined): Script =>
  (r) => {
    const id = taskOf(r) ?? "unknown"
    const done = commandsIn(r)
    if (!done.some((c) => c.includes(`git add ${id}.txt`))) return { bash: commit(id), description: `commit ${id}` }
    if (!done.some((c) => c.includes("REKINDLE_DONE_FILE"))) {
      const hold = holdBeforeMarker(id, r)
      const mark: Turn = { bash: MARK, description: "write the done marker" }
      return hold === undefined ? mark : { hold: hold.then(() => mark) }
    }
    return { text: `Task ${id} is done.` }
  }

/** A world with a seeded Claude home and a running Anthropic server answering with `script`. */
export const withClaude = async (w: AgentWorld, script: Script): Promise<AnthropicServer> => {
  const server = await startAnthropicServer(script)
  seedClaudeHome(w.home)
  w.setEnv(claudeEnv(server))
  return server
}

/** A manifest task for Claude. */
export const claudeTask = (id: string) => ({ id, agent: "claude", prompt: taskPrompt(id) })

/** Main-conversation requests of task `id`. */
export const requestsOf = (requests: ReadonlyArray<RecordedRequest>, id: string) =>
  requests.filter((r) => taskOf(r) === id)

/** The merged world of a finished batch: every task's file on main, every task succeeded in the state. */
export const expectMerged = (w: AgentWorld, batchId: string, ids: ReadonlyArray<string>) => {
  const files = w.filesOn("main")
  for (const id of ids) {
    expect(files, `${id}.txt merged into main`).toContain(`${id}.txt`)
    expect(w.stateTask(batchId, id)["status"], `${id} succeeded`).toBe("succeeded")
  }
}

/**
 * A script holding each task's marker request for good (the connection dies with the agent) until its conversation
 * carries `until` (a continuation turn, a hand-off note); `held` collects the task ids that reached the hold.
 */
export const holdUntil = (held: Set<string>, until: (r: RecordedRequest) => boolean): Script =>
  claudeScript((id, r) => {
    if (until(r)) return undefined
    held.add(id)
    return new Promise<Turn>(() => {})
  })
