/**
 * A local OpenAI-compatible model server for the real-agent tests: 127.0.0.1, an ephemeral port,
 * stops by itself after a quiet spell. It speaks the Responses API (`POST /v1/responses`, streamed as
 * SSE: what Codex 0.169 requires — its `wire_api` accepts only "responses") and Chat Completions
 * (`POST /v1/chat/completions`, streamed chunks: what OpenCode's openai-compatible provider sends).
 * Every request is recorded, so a test asserts on what the model saw.
 *
 * Replies are scripted: a function of the parsed request answers with text, or with ONE shell command
 * for the agent to run through its own shell tool (whichever the request offers: Codex's
 * `exec_command`/`shell_command`/`shell`, OpenCode's `bash`).
 */
import type * as http from "node:http"
import { type RecordedRequest, startRecordingServer } from "./recording.ts"

export type { RecordedRequest } from "./recording.ts"

/** What a scripted turn sees: the request, reduced to what scripts decide on. */
export interface ModelTurn {
  readonly api: "responses" | "chat"
  /** Text of every user message, in order (the prompt, continuation turns). */
  readonly userTexts: ReadonlyArray<string>
  /** How many tool results the conversation carries (0 before the first tool call returned). */
  readonly toolResults: number
  /** Names of the tools offered. */
  readonly tools: ReadonlyArray<string>
  readonly body: Record<string, unknown>
}

/**
 * A scripted answer: say something, run one shell command through the agent's shell tool, never answer (the agent
 * stays mid-turn, waiting on the model, until the connection drops), or answer once `hold` settles (the agent is
 * mid-turn until the test releases it; nothing is written if the agent hung up meanwhile).
 */
export type ModelReply =
  | { readonly text: string }
  | { readonly shell: string }
  | { readonly hang: true }
  | { readonly hold: Promise<ModelReply> }

/** A running server. */
export interface OpenAiServer {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string
  readonly requests: Array<RecordedRequest>
  /** The model requests only (Responses or Chat Completions), in arrival order. */
  readonly turns: () => ReadonlyArray<ModelTurn>
  readonly close: () => Promise<void>
}

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content
          .map((c) => (typeof c === "object" && c !== null ? String((c as { text?: unknown }).text ?? "") : ""))
          .join("")
      : ""

/** Reduce a request body to a {@link ModelTurn}. */
export const parseTurn = (path: string, body: Record<string, unknown>): ModelTurn => {
  const tools = (Array.isArray(body["tools"]) ? (body["tools"] as Array<Record<string, unknown>>) : []).map((t) =>
    String(t["name"] ?? (t["function"] as { name?: unknown } | undefined)?.name ?? t["type"] ?? "")
  )
  if (path.endsWith("/responses")) {
    const input = Array.isArray(body["input"]) ? (body["input"] as Array<Record<string, unknown>>) : []
    return {
      api: "responses",
      userTexts: input.filter((i) => i["role"] === "user").map((i) => textOf(i["content"])),
      toolResults: input.filter((i) => i["type"] === "function_call_output" || i["type"] === "custom_tool_call_output")
        .length,
      tools,
      body
    }
  }
  const messages = Array.isArray(body["messages"]) ? (body["messages"] as Array<Record<string, unknown>>) : []
  return {
    api: "chat",
    userTexts: messages.filter((m) => m["role"] === "user").map((m) => textOf(m["content"])),
    toolResults: messages.filter((m) => m["role"] === "tool").length,
    tools,
    body
  }
}

const SHELL_TOOLS = ["exec_command", "shell_command", "shell", "bash"]

/**
 * Whether the request offers a shell tool. An agent's side requests (Codex asks for a task title with
 * the prompt inside, and no tools) do not: a script answers those with text.
 */
export const offersShell = (turn: ModelTurn): boolean => turn.tools.some((t) => SHELL_TOOLS.includes(t))

/** The agent's own turns: those offering a shell tool. */
export const agentTurns = (turns: ReadonlyArray<ModelTurn>): ReadonlyArray<ModelTurn> => turns.filter(offersShell)

/**
 * The usual script: side requests (no shell tool) get a title, the agent's first turn runs `command`,
 * every later turn says `doneText`.
 */
export const oneCommand =
  (command: string, doneText = "Done.") =>
  (turn: ModelTurn): ModelReply =>
    !offersShell(turn) ? { text: "Task title" } : turn.toolResults === 0 ? { shell: command } : { text: doneText }

/** The shell tool call for `command`, in the form the offered tool takes. */
const shellCall = (tools: ReadonlyArray<string>, command: string): { name: string; arguments: string } => {
  if (tools.includes("exec_command")) return { name: "exec_command", arguments: JSON.stringify({ cmd: command }) }
  if (tools.includes("shell_command")) return { name: "shell_command", arguments: JSON.stringify({ command }) }
  if (tools.includes("shell"))
    return { name: "shell", arguments: JSON.stringify({ command: ["bash", "-lc", command] }) }
  if (tools.includes("bash"))
    return { name: "bash", arguments: JSON.stringify({ command, description: "Run the task's command" }) }
  throw new Error(`no shell tool offered (tools: ${tools.join(", ")})`)
}

const sse = (res: http.ServerResponse, events: ReadonlyArray<{ event?: string; data: unknown }>) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" })
  for (const e of events) {
    if (e.event !== undefined) res.write(`event: ${e.event}\n`)
    res.write(`data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`)
  }
  res.end()
}

let serial = 0

type Answer = Extract<ModelReply, { readonly text: string } | { readonly shell: string }>

/** Wait out held replies; undefined for one that never answers. */
const settle = async (reply: ModelReply): Promise<Answer | undefined> =>
  "hang" in reply ? undefined : "hold" in reply ? settle(await reply.hold) : reply

const responsesReply = (res: http.ServerResponse, turn: ModelTurn, reply: Answer) => {
  const id = `resp_${++serial}`
  const item =
    "text" in reply
      ? {
          type: "message",
          role: "assistant",
          id: `msg_${serial}`,
          content: [{ type: "output_text", text: reply.text, annotations: [] }]
        }
      : { type: "function_call", id: `fc_${serial}`, call_id: `call_${serial}`, ...shellCall(turn.tools, reply.shell) }
  const usage = {
    input_tokens: 10,
    input_tokens_details: null,
    output_tokens: 5,
    output_tokens_details: null,
    total_tokens: 15
  }
  sse(res, [
    { event: "response.created", data: { type: "response.created", response: { id } } },
    { event: "response.output_item.done", data: { type: "response.output_item.done", output_index: 0, item } },
    { event: "response.completed", data: { type: "response.completed", response: { id, usage } } }
  ])
}

const chatReply = (res: http.ServerResponse, turn: ModelTurn, reply: Answer) => {
  const id = `chatcmpl_${++serial}`
  const model = String(turn.body["model"] ?? "test-model")
  const chunk = (delta: unknown, finish: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finish }]
  })
  const body =
    "text" in reply
      ? [chunk({ role: "assistant", content: reply.text }, null), chunk({}, "stop")]
      : [
          chunk(
            {
              role: "assistant",
              tool_calls: [
                { index: 0, id: `call_${serial}`, type: "function", function: shellCall(turn.tools, reply.shell) }
              ]
            },
            null
          ),
          chunk({}, "tool_calls")
        ]
  const usage = {
    ...chunk({}, null),
    choices: [],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }
  }
  sse(res, [...body.map((data) => ({ data })), { data: usage }, { data: "[DONE]" }])
}

/** Start a server answering model requests with `script`; it closes itself after `idleMs` without requests. */
export const startOpenAiServer = async (options: {
  readonly script: (turn: ModelTurn) => ModelReply
  readonly idleMs?: number
}): Promise<OpenAiServer> => {
  const isModelCall = (path: string) => path.endsWith("/responses") || path.endsWith("/chat/completions")
  const server = await startRecordingServer({
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    handle: ({ method, path, body }, res) => {
      if (method === "POST" && isModelCall(path)) {
        const turn = parseTurn(path, (body ?? {}) as Record<string, unknown>)
        const answer = (reply: Answer) =>
          turn.api === "responses" ? responsesReply(res, turn, reply) : chatReply(res, turn, reply)
        const reply = options.script(turn)
        if ("hold" in reply)
          return void settle(reply).then((r) => {
            if (r !== undefined && !res.destroyed && !res.writableEnded) answer(r)
          })
        if ("hang" in reply) return
        return answer(reply)
      }
      if (method === "GET" && path.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" })
        return void res.end(
          JSON.stringify({ object: "list", data: [{ id: "test-model", object: "model" }], models: [] })
        )
      }
      res.writeHead(404, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { message: `no such endpoint: ${method} ${path}` } }))
    }
  })
  return {
    baseUrl: `${server.origin}/v1`,
    requests: server.requests,
    turns: () =>
      server.requests
        .filter((r) => r.method === "POST" && isModelCall(r.path))
        .map((r) => parseTurn(r.path, (r.body ?? {}) as Record<string, unknown>)),
    close: server.close
  }
}
