/**
 * Scenarios (b), (c), (d) and (e) for the real pi 0.73.1 (pinned in test/agents) driven by rekindle end to end against
 * the local Chat Completions server: real tmux on a private socket, a real git repository, a temp HOME. The scenarios
 * are written once in openai-scenarios.ts; this file says how pi is configured and how its session file is lost.
 */
import * as fs from "node:fs"
import {
  conversationChanged,
  crashSuite,
  onlyFile,
  type OpenAiAgent,
  serverKilled,
  supervisorKilled
} from "./openai-scenarios.ts"
import { configurePi, PI_TASK } from "./pi-world.ts"

const pi: OpenAiAgent = {
  label: "pi-crash",
  configure: configurePi,
  task: (id, prompt) => ({ id, agent: "pi", prompt, ...PI_TASK })
}

crashSuite(pi, "real pi 0.73.1 driven by rekindle: crashes", 300_000, [
  [
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same pi process finishes, no relaunch, no second prompt",
    (h) => supervisorKilled(h, "pb")
  ],
  [
    "(c) and (d) tmux server killed mid-task: `pi --session <id>` carries the earlier turns plus exactly one continuation turn; a task whose session file was deleted or corrupted is relaunched fresh — the plan says why, the original prompt plus a hand-off note, once",
    (h) => {
      // pi's session of a conversation: `~/.pi/agent/sessions/--<cwd slug>--/<time>_<id>.jsonl`.
      const session = (id: string) => onlyFile(`${h.w.home}/.pi/agent`, `sessions/*/*_${id}.jsonl`)
      return serverKilled(h, ["pc"], {
        pd1: (id) => fs.rmSync(session(id)),
        pd2: (id) => fs.writeFileSync(session(id), "this is not a session\n")
      })
    }
  ],
  [
    "regression: (e) a new conversation started during the run (`/new`) is followed — resume continues the latest one, with one continuation turn",
    (h) => conversationChanged(h, "pe", [{ type: "/new" }])
  ]
])
