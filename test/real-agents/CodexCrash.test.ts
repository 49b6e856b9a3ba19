/**
 * Scenarios (b) and (d) for the real Codex CLI 0.169.0 (pinned in test/agents) driven by rekindle end to end against
 * the local Responses server: real tmux on a private socket, a real git repository, a temp HOME. The scenarios are
 * written once in openai-scenarios.ts; this file says how Codex is configured and how its rollout file is lost.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, test } from "vitest"
import { skipRealAgents } from "../support/real-agents/world.ts"
import { CODEX_KEY_ENV, configureCodex } from "./codex-world.ts"
import {
  conversationChanged,
  type Harness,
  type OpenAiAgent,
  recordLost,
  scenario,
  startHarness,
  stopHarness,
  supervisorKilled
} from "./openai-scenarios.ts"

const T = 300_000

const codex: OpenAiAgent = {
  label: "codex-crash",
  configure: (w, baseUrl) => {
    configureCodex(w, baseUrl)
    w.setEnv({ [CODEX_KEY_ENV]: "local-test-key" })
  },
  task: (id, prompt) => ({ id, agent: "codex", prompt, args: ["--no-daemon"] })
}

/** Codex's rollout file of a conversation (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`). */
const rollout = (h: Harness, conversationId: string): string => {
  const root = path.join(h.w.home, ".codex")
  const found = fs.globSync(`sessions/*/*/*/rollout-*-${conversationId}.jsonl`, { cwd: root })
  if (found.length !== 1) throw new Error(`expected one rollout of ${conversationId}, found ${found.length}`)
  return path.join(root, found[0]!)
}

describe.skipIf(skipRealAgents("codex-crash"))("real Codex 0.169.0 driven by rekindle: crashes", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(codex)
  }, 180_000)
  afterAll(() => stopHarness(h))

  test(
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same Codex process finishes, no relaunch, no second prompt",
    () => scenario(h, "(b)", () => supervisorKilled(h, "xb")),
    T
  )
  test(
    "(d) rollout file deleted or corrupted: an honest fresh relaunch — the plan says why, the original prompt plus a hand-off note, once",
    () =>
      scenario(h, "(d)", () =>
        recordLost(
          h,
          {
            xd1: (id) => fs.rmSync(rollout(h, id)),
            xd2: (id) => fs.writeFileSync(rollout(h, id), "this is not a rollout\n")
          },
          /transcript/
        )
      ),
    T
  )
  test(
    "regression: (e) a new conversation started during the run (`/new`) is followed — resume continues the latest one, with one continuation turn",
    () =>
      scenario(h, "(e)", () =>
        conversationChanged(h, "xe", [{ type: "/new", then: "Where should the new conversation run?" }, { type: "" }])
      ),
    T
  )
})
