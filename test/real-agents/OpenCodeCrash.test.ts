/**
 * Scenarios (a) to (d) for the real OpenCode 1.18.33 (pinned in test/agents) driven by rekindle end to end against the
 * local Chat Completions server: real tmux on a private socket, a real git repository, a temp HOME. The scenarios are
 * written once in openai-scenarios.ts; this file says how OpenCode is configured and how its session storage (its
 * SQLite database) loses a conversation. All in one world: an OpenCode start is the costly part (its first one
 * installs its plugin package), paid once.
 */
import * as path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { expect } from "vitest"
import { crashSuite, freshLaunch, type OpenAiAgent, serverKilled, supervisorKilled } from "./openai-scenarios.ts"
import { configureOpenCode, OPENCODE_ENV } from "./opencode-world.ts"

const opencode: OpenAiAgent = {
  label: "opencode-crash",
  configure: configureOpenCode,
  task: (id, prompt) => ({ id, agent: "opencode", prompt, env: OPENCODE_ENV })
}

/** OpenCode's database (`$XDG_DATA_HOME/opencode/opencode.db`). */
const database = (home: string) => path.join(home, ".local", "share", "opencode", "opencode.db")

/** Run `sql` on OpenCode's database while no OpenCode runs. */
const damageDatabase = (home: string, sql: string, conversationId: string): void => {
  const db = new DatabaseSync(database(home))
  try {
    db.prepare(sql).run(conversationId)
  } finally {
    db.close()
  }
}

/** OpenCode's top-level sessions: [id, directory]. */
const sessions = (home: string): Array<[unknown, unknown]> => {
  const db = new DatabaseSync(database(home), { readOnly: true })
  try {
    return db
      .prepare("SELECT id, directory FROM session WHERE parent_id IS NULL")
      .all()
      .map((r) => [r["id"], r["directory"]])
  } finally {
    db.close()
  }
}

/**
 * OpenCode's (b)–(d) cost ~10 min on the 2-core CI machine (each OpenCode start ~1 min under load; measured 639 s for
 * this file), which CI's 20-minute budget cannot hold: they run with REKINDLE_FULL_REAL_AGENTS=1 and are reported as
 * skipped otherwise (said on stderr too, never silently). (a) always runs.
 */
const FULL = process.env["REKINDLE_FULL_REAL_AGENTS"] === "1"
if (!FULL)
  process.stderr.write(
    "OpenCode scenarios (b)-(d) skipped: set REKINDLE_FULL_REAL_AGENTS=1 to run them (~10 min on 2 cores)\n"
  )

// An OpenCode start takes ~1 min on a loaded 2-core machine (its first one longer: it installs its plugin package).
crashSuite(opencode, "real OpenCode 1.18.33 driven by rekindle", 900_000, [
  [
    "(a) fresh launch in a task worktree: the prompt reaches the model once, the tool call completes the task, it is merged",
    async (h) => {
      const conversation = await freshLaunch(h, "oa")
      expect(
        h.server.turns().every((t) => t.api === "chat"),
        "Chat Completions only"
      ).toBe(true)
      const worktree = h.w.stateTask("fresh-oa", "oa")["worktree"]
      expect(sessions(h.w.home), "the id learned is OpenCode's session for this worktree").toContainEqual([
        conversation,
        worktree
      ])
    }
  ],
  [
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same OpenCode process finishes, no relaunch, no second prompt",
    (h) => supervisorKilled(h, "ob"),
    !FULL
  ],
  [
    "regression: (c) and (d) tmux server killed mid-task: `opencode run --session <id>` carries the earlier turns plus exactly one continuation turn; a task whose session was deleted from OpenCode's database is relaunched fresh — the plan says why, the original prompt plus a hand-off note, once",
    (h) =>
      serverKilled(
        h,
        ["oc"],
        { od: (id) => damageDatabase(h.w.home, "DELETE FROM session WHERE id = ?", id) },
        /transcript|session/
      ),
    !FULL
  ]
])
