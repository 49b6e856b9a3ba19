/**
 * A local Anthropic Messages API for the real Claude Code CLI: 127.0.0.1, an ephemeral port, every request recorded,
 * scripted answers. Claude streams (`POST /v1/messages?beta=true`, SSE: message_start, content_block_start / delta /
 * stop, message_delta, message_stop); it also counts tokens (`/v1/messages/count_tokens`) and sends side requests
 * (a title or topic on a small model, without tools). A request is the MAIN conversation when it offers the `Bash`
 * tool: those are answered by the test's script, every other one with a short sane text.
 *
 * A script turn may be held (`hold`) until the test releases it: the agent is then "mid-turn" (its request is open),
 * which is where the crash scenarios kill things. The server is unref'd and closes its open connections on `close()`,
 * so a forgotten server never keeps the test process alive.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** One message of a request, as Claude sent it (content is a string or a list of blocks). */
export interface AnthropicMessage {
  readonly role: string
  readonly content: unknown
}

/** One request the server received. */
export interface RecordedRequest {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly main: boolean
  readonly model: string
  readonly stream: boolean
  readonly messages: ReadonlyArray<AnthropicMessage>
  readonly tools: ReadonlyArray<string>
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** An answer: text, or a tool call (Claude runs it and sends the result in its next request). */
export type Turn =
  | { readonly text: string }
  | { readonly bash: string; readonly description?: string }
  | { readonly hold: Promise<Turn> }

/** Decides the answer to a main-conversation request. */
export type Script = (request: RecordedRequest, mainIndex: number) => Turn

/** The text of every text block (and tool_result content) of a message, joined by newlines. */
export const messageText = (m: AnthropicMessage): string => {
  if (typeof m.content === "string") return m.content
  if (!Array.isArray(m.content)) return ""
  return m.content
    .map((b: unknown) => {
      const block = b as { type?: string; text?: unknown; content?: unknown }
      if (block.type === "text" && typeof block.text === "string") return block.text
      if (block.type === "tool_result") return messageText({ role: "user", content: block.content })
      return ""
    })
    .join("\n")
}

/** Whether a message carries a tool result (the agent ran what the model asked for). */
export const isToolResult = (m: AnthropicMessage): boolean =>
  Array.isArray(m.content) && m.content.some((b: unknown) => (b as { type?: string }).type === "tool_result")

/** How many user messages of `request` contain `needle` in a text block (not in tool results or reminders). */
export const userTurnsContaining = (request: RecordedRequest, needle: string): number =>
  request.messages.filter((m) => m.role === "user" && !isToolResult(m) && messageText(m).includes(needle)).length

/** A held answer and the function that releases it. */
export const gate = (): { readonly turn: Turn; readonly release: (turn: Turn) => void } => {
  let release!: (turn: Turn) => void
  const hold = new Promise<Turn>((resolve) => (release = resolve))
  return { turn: { hold }, release }
}

const sse = (res: http.ServerResponse, type: string, data: Record<string, unknown>) =>
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)

let ids = 0
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(ids++).toString(36).padStart(4, "0")}`

const usage = { input_tokens: 12, output_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }

const contentOf = (turn: Exclude<Turn, { hold: Promise<Turn> }>) =>
  "text" in turn
    ? { type: "text", text: turn.text }
    : {
        type: "tool_use",
        id: nextId("toolu"),
        name: "Bash",
        input: { command: turn.bash, description: turn.description ?? "run the scripted command" }
      }

const answer = (res: http.ServerResponse, model: string, stream: boolean, turn: Exclude<Turn, { hold: unknown }>) => {
  const block = contentOf(turn)
  const stop = block.type === "tool_use" ? "tool_use" : "end_turn"
  const id = nextId("msg")
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(
      JSON.stringify({
        id,
        type: "message",
        role: "assistant",
        model,
        content: [block],
        stop_reason: stop,
        stop_sequence: null,
        usage
      })
    )
    return
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" })
  sse(res, "message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage
    }
  })
  if (block.type === "text") {
    sse(res, "content_block_start", { index: 0, content_block: { type: "text", text: "" } })
    sse(res, "content_block_delta", { index: 0, delta: { type: "text_delta", text: block.text } })
  } else {
    sse(res, "content_block_start", {
      index: 0,
      content_block: { type: "tool_use", id: block.id, name: block.name, input: {} }
    })
    sse(res, "content_block_delta", {
      index: 0,
      delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) }
    })
  }
  sse(res, "content_block_stop", { index: 0 })
  sse(res, "message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 8 } })
  sse(res, "message_stop", {})
  res.end()
}

/** A running server. */
export interface AnthropicServer {
  /** `http://127.0.0.1:<port>`: the agent's ANTHROPIC_BASE_URL. */
  readonly url: string
  /** Every request, in arrival order. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** The main-conversation requests only. */
  readonly main: () => ReadonlyArray<RecordedRequest>
  readonly close: () => Promise<void>
}

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const record = (req: http.IncomingMessage, raw: string): RecordedRequest => {
  let body: unknown
  try {
    body = JSON.parse(raw)
  } catch {
    body = raw
  }
  const b = (typeof body === "object" && body !== null ? body : {}) as {
    model?: unknown
    stream?: unknown
    messages?: unknown
    tools?: unknown
  }
  const tools = Array.isArray(b.tools) ? b.tools.map((t: unknown) => String((t as { name?: unknown }).name)) : []
  const path = req.url ?? "/"
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v
  return {
    at: Date.now(),
    method: req.method ?? "GET",
    path,
    main: path.startsWith("/v1/messages") && !path.includes("count_tokens") && tools.includes("Bash"),
    model: typeof b.model === "string" ? b.model : "",
    stream: b.stream === true,
    messages: Array.isArray(b.messages) ? (b.messages as Array<AnthropicMessage>) : [],
    tools,
    headers,
    body
  }
}

/** Start a server answering main-conversation requests with `script`. */
export const startAnthropicServer = async (script: Script): Promise<AnthropicServer> => {
  const requests: Array<RecordedRequest> = []
  const sockets = new Set<import("node:net").Socket>()
  const server = http.createServer((req, res) => {
    void (async () => {
      const r = record(req, await readBody(req))
      requests.push(r)
      if (r.path.includes("count_tokens")) {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ input_tokens: 100 }))
        return
      }
      if (!r.path.startsWith("/v1/messages")) {
        res.writeHead(404, { "content-type": "application/json" })
        res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no ${r.path} here` } }))
        return
      }
      let turn: Turn = r.main ? script(r, requests.filter((x) => x.main).length - 1) : { text: "Scripted side answer" }
      while ("hold" in turn) turn = await turn.hold
      if (!res.destroyed) answer(res, r.model, r.stream, turn)
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(e))
    })
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  server.unref()
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    main: () => requests.filter((r) => r.main),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
