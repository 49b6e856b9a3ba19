/**
 * A local Gemini API server for the real-agent tests: 127.0.0.1, an ephemeral port, stops by itself
 * after a quiet spell. It speaks what Gemini CLI 0.61.0 sends when `GOOGLE_GEMINI_BASE_URL` points at it
 * (measured): `POST /v1beta/models/<model>:generateContent` (one JSON answer) and
 * `:streamGenerateContent?alt=sse` (the same answer as one SSE `data:` chunk); `:countTokens` gets a count.
 * Every request is recorded, so a test asserts on what the model saw.
 *
 * Replies are scripted like the OpenAI server's: text, ONE shell command run through the CLI's
 * `run_shell_command` tool, or a hang (never answered: the agent stays mid-turn). A side request asking for JSON (`responseMimeType: "application/json"`: the
 * CLI's model router and next-speaker check) gets a JSON object naming the user as next speaker.
 */
import { type RecordedRequest, startRecordingServer } from "./recording.ts"

/** What a scripted turn sees. */
export interface GeminiTurn {
  /** Text of every user part that is not a tool result, in order (the prompt, continuation turns). */
  readonly userTexts: ReadonlyArray<string>
  /** How many function responses the conversation carries. */
  readonly toolResults: number
  /** The shell commands the model's earlier function calls in the conversation ran, in order. */
  readonly commands: ReadonlyArray<string>
  /** Names of the function declarations offered. */
  readonly tools: ReadonlyArray<string>
  /** Whether the request asks for a JSON answer (a side request, not the agent's turn). */
  readonly wantsJson: boolean
  readonly body: Record<string, unknown>
}

/** A text answer, ONE shell call, or no answer at all (the request stays open: the agent is mid-turn). */
export type GeminiReply = { readonly text: string } | { readonly shell: string } | { readonly hang: true }

export interface GeminiServer {
  /** Origin for `GOOGLE_GEMINI_BASE_URL`, e.g. `http://127.0.0.1:41234`. */
  readonly baseUrl: string
  readonly requests: Array<RecordedRequest>
  /** The generateContent requests, in arrival order. */
  readonly turns: () => ReadonlyArray<GeminiTurn>
  readonly close: () => Promise<void>
}

type Part = Record<string, unknown>
type Content = { role?: string; parts?: ReadonlyArray<Part> }

/** Reduce a generateContent body to a {@link GeminiTurn}. */
export const parseGeminiTurn = (body: Record<string, unknown>): GeminiTurn => {
  const contents = (Array.isArray(body["contents"]) ? body["contents"] : []) as ReadonlyArray<Content>
  const parts = (role: string) => contents.filter((c) => c.role === role).flatMap((c) => c.parts ?? [])
  const tools = ((Array.isArray(body["tools"]) ? body["tools"] : []) as ReadonlyArray<Record<string, unknown>>)
    .flatMap((t) => (Array.isArray(t["functionDeclarations"]) ? t["functionDeclarations"] : []) as ReadonlyArray<Part>)
    .map((d) => String(d["name"] ?? ""))
  const config = (body["generationConfig"] ?? body["config"] ?? {}) as Record<string, unknown>
  return {
    userTexts: parts("user")
      .filter((p) => typeof p["text"] === "string")
      .map((p) => String(p["text"])),
    toolResults: parts("user").filter((p) => p["functionResponse"] !== undefined).length,
    commands: parts("model").flatMap((p) => {
      const call = p["functionCall"] as { args?: { command?: unknown } } | undefined
      return typeof call?.args?.command === "string" ? [call.args.command] : []
    }),
    tools,
    wantsJson: config["responseMimeType"] === "application/json",
    body
  }
}

/** The agent's own turns: those offering the shell tool. */
export const geminiAgentTurns = (turns: ReadonlyArray<GeminiTurn>): ReadonlyArray<GeminiTurn> =>
  turns.filter((t) => t.tools.includes("run_shell_command"))

/** The agent's first turn runs `command`, every later one says `doneText`. */
export const oneShellCommand =
  (command: string, doneText = "Done.") =>
  (turn: GeminiTurn): GeminiReply =>
    turn.toolResults === 0 ? { shell: command } : { text: doneText }

const JSON_SIDE_ANSWER = JSON.stringify({
  reasoning: "The task is done; the user speaks next.",
  next_speaker: "user",
  model_choice: "flash"
})

const answerBody = (turn: GeminiTurn, reply: Exclude<GeminiReply, { readonly hang: true }>) => ({
  candidates: [
    {
      index: 0,
      finishReason: "STOP",
      content: {
        role: "model",
        parts: [
          "text" in reply
            ? { text: reply.text }
            : { functionCall: { name: "run_shell_command", args: { command: reply.shell, description: "task" } } }
        ]
      }
    }
  ],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  modelVersion: String(turn.body["model"] ?? "test-model")
})

/** Start a server answering with `script`; it closes itself after `idleMs` without requests. */
export const startGeminiServer = async (options: {
  readonly script: (turn: GeminiTurn) => GeminiReply
  readonly idleMs?: number
}): Promise<GeminiServer> => {
  const isModelCall = (path: string) => /:(stream)?[gG]enerateContent$/.test(path)
  const server = await startRecordingServer({
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    handle: ({ method, path, body }, res) => {
      if (method === "POST" && isModelCall(path)) {
        const turn = parseGeminiTurn((body ?? {}) as Record<string, unknown>)
        const reply = turn.wantsJson ? { text: JSON_SIDE_ANSWER } : options.script(turn)
        if ("hang" in reply) return
        const answer = answerBody(turn, reply)
        if (path.endsWith(":streamGenerateContent")) {
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
          return void res.end(`data: ${JSON.stringify(answer)}\n\n`)
        }
        res.writeHead(200, { "content-type": "application/json" })
        return void res.end(JSON.stringify(answer))
      }
      if (method === "POST" && path.endsWith(":countTokens")) {
        res.writeHead(200, { "content-type": "application/json" })
        return void res.end(JSON.stringify({ totalTokens: 10 }))
      }
      res.writeHead(404, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { code: 404, message: `no such endpoint: ${method} ${path}` } }))
    }
  })
  return {
    baseUrl: server.origin,
    requests: server.requests,
    turns: () =>
      server.requests
        .filter((r) => r.method === "POST" && isModelCall(r.path))
        .map((r) => parseGeminiTurn((r.body ?? {}) as Record<string, unknown>)),
    close: server.close
  }
}
