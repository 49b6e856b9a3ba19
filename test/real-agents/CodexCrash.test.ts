/**
 * Scenarios (b), (d) and (e) for the real Codex CLI 0.169.0 (pinned in test/agents) driven by rekindle end to end
 * against the local Responses server: real tmux on a private socket, a real git repository, a temp HOME. The scenarios
 * are written once in openai-scenarios.ts; this file says how Codex is configured and how its rollout file is lost.
 * (a) and (c) are in Codex.test.ts.
 */
import * as fs from "node:fs"
import { CODEX_KEY_ENV, configureCodex } from "./codex-world.ts"
import {
  conversationChanged,
  crashSuite,
  onlyFile,
  type OpenAiAgent,
  serverKilled,
  supervisorKilled
} from "./openai-scenarios.ts"

const codex: OpenAiAgent = {
  label: "codex-crash",
  configure: (w, baseUrl) => {
    configureCodex(w, baseUrl)
    w.setEnv({ [CODEX_KEY_ENV]: "local-test-key" })
  },
  task: (id, prompt) => ({ id, agent: "codex", prompt, args: ["--no-daemon"] })
}

crashSuite(codex, "real Codex 0.169.0 driven by rekindle: crashes", 300_000, [
  [
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same Codex process finishes, no relaunch, no second prompt",
    (h) => supervisorKilled(h, "xb")
  ],
  [
    "(d) rollout file deleted or corrupted: an honest fresh relaunch — the plan says why, the original prompt plus a hand-off note, once",
    (h) => {
      // Codex's rollout of a conversation: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`.
      const rollout = (id: string) => onlyFile(`${h.w.home}/.codex`, `sessions/*/*/*/rollout-*-${id}.jsonl`)
      return serverKilled(h, [], {
        xd1: (id) => fs.rmSync(rollout(id)),
        xd2: (id) => fs.writeFileSync(rollout(id), "this is not a rollout\n")
      })
    }
  ],
  [
    "regression: (e) a new conversation started during the run (`/new`) is followed — resume continues the latest one, with one continuation turn",
    (h) =>
      conversationChanged(h, "xe", [{ type: "/new", then: "Where should the new conversation run?" }, { type: "" }])
  ]
])
