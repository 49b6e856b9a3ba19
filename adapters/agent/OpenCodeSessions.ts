/**
 * OpenCode's conversations, read from its own SQLite database (`<XDG_DATA_HOME or
 * ~/.local/share>/opencode/opencode.db`, table `session`: `id` (`ses_…`), `directory` (the cwd it runs
 * in), `parent_id` (set for a sub-agent's session), `time_created` (epoch ms); table `message`). Opened
 * read-only (OpenCode keeps it in WAL mode, so readers never block it). A task's conversation is the
 * latest top-level session created in its worktree at or after the launch.
 */
import * as Effect from "effect/Effect"
import type { FileVerdict } from "./TranscriptCheck.ts"
import { SAFE_CONVERSATION_ID } from "./AgentArgv.ts"
import type { DiscoveryInput } from "./ConversationDiscovery.ts"

/** Clock skew allowed between rekindle's launch time and OpenCode's own timestamp. */
const SKEW_MS = 5_000

/** Where OpenCode keeps its database for this environment. */
const openCodeDatabase = (home: string, env: Readonly<Record<string, string | undefined>>): string => {
  const data = env["XDG_DATA_HOME"]
  return `${data !== undefined && data !== "" ? data : `${home}/.local/share`}/opencode/opencode.db`
}

type Row = Record<string, unknown>

/** Run `query` on the database read-only; undefined when it cannot be opened or read. */
const readRows = (file: string, query: string, params: ReadonlyArray<string | number>) =>
  Effect.tryPromise(async () => {
    const fs = await import("node:fs")
    if (!fs.existsSync(file)) return undefined
    const { DatabaseSync } = await import("node:sqlite")
    const db = new DatabaseSync(file, { readOnly: true })
    try {
      return db.prepare(query).all(...params) as ReadonlyArray<Row>
    } finally {
      db.close()
    }
  }).pipe(Effect.orElseSucceed(() => undefined))

/** The id of the task's latest OpenCode session, or undefined. */
export const openCodeConversation = (input: DiscoveryInput): Effect.Effect<string | undefined> =>
  Effect.map(
    readRows(
      openCodeDatabase(input.home, input.env),
      `SELECT id FROM session WHERE parent_id IS NULL AND time_created >= ? AND directory IN (${input.cwds.map(() => "?").join(", ")}) ORDER BY time_created DESC LIMIT 1`,
      [input.since - SKEW_MS, ...input.cwds]
    ),
    (rows) => {
      const id = rows?.[0]?.["id"]
      return typeof id === "string" && SAFE_CONVERSATION_ID.test(id) ? id : undefined
    }
  )

/** Whether OpenCode holds the session with at least one message (what `opencode --session` resumes). */
export const checkOpenCodeSession = (
  home: string,
  env: Readonly<Record<string, string | undefined>>,
  conversationId: string
): Effect.Effect<FileVerdict & { readonly path: string }> => {
  const path = openCodeDatabase(home, env)
  return Effect.map(
    readRows(
      path,
      "SELECT (SELECT COUNT(*) FROM session WHERE id = ?) AS sessions, (SELECT COUNT(*) FROM message WHERE session_id = ?) AS messages",
      [conversationId, conversationId]
    ),
    (rows): FileVerdict & { readonly path: string } => {
      const row = rows?.[0]
      if (row === undefined) return { valid: false, path, reason: `cannot read OpenCode's database ${path}` }
      if (Number(row["sessions"]) === 0)
        return { valid: false, path, reason: `session ${conversationId} is not in ${path}` }
      if (Number(row["messages"]) === 0)
        return { valid: false, path, reason: `session ${conversationId} has no messages` }
      return { valid: true, path, reason: `session ${conversationId} has ${Number(row["messages"])} messages` }
    }
  )
}
