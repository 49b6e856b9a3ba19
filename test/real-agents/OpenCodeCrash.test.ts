/**
 * Scenarios (b), (c) and (d) for the real OpenCode 1.18.33 (pinned in test/agents) driven by rekindle end to end
 * against the local Chat Completions server: real tmux on a private socket, a real git repository, a temp HOME. The
 * scenarios are written once in openai-scenarios.ts; this file says how OpenCode is configured and how its session
 * storage (its SQLite database) loses a conversation.
 */
import * as path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { crashSuite, type OpenAiAgent, serverKilled, supervisorKilled } from "./openai-scenarios.ts"
import { configureOpenCode, OPENCODE_ENV } from "./opencode-world.ts"

const opencode: OpenAiAgent = {
  label: "opencode-crash",
  configure: configureOpenCode,
  task: (id, prompt) => ({ id, agent: "opencode", prompt, env: OPENCODE_ENV })
}

/** Run `sql` on OpenCode's database (`$XDG_DATA_HOME/opencode/opencode.db`) while no OpenCode runs. */
const damageDatabase = (home: string, sql: string, conversationId: string): void => {
  const db = new DatabaseSync(path.join(home, ".local", "share", "opencode", "opencode.db"))
  try {
    db.prepare(sql).run(conversationId)
  } finally {
    db.close()
  }
}

// An OpenCode start takes ~1 min on a loaded 2-core machine (its first one longer: it installs its plugin package).
crashSuite(opencode, "real OpenCode 1.18.33 driven by rekindle: crashes", 900_000, [
  [
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same OpenCode process finishes, no relaunch, no second prompt",
    (h) => supervisorKilled(h, "ob")
  ],
  [
    "regression: (c) and (d) tmux server killed mid-task: `opencode run --session <id>` carries the earlier turns plus exactly one continuation turn; a task whose session was deleted from OpenCode's database is relaunched fresh — the plan says why, the original prompt plus a hand-off note, once",
    (h) =>
      serverKilled(
        h,
        ["oc"],
        { od: (id) => damageDatabase(h.w.home, "DELETE FROM session WHERE id = ?", id) },
        /transcript|session/
      )
  ]
])
