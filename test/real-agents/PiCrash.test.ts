/**
 * Scenarios (b), (c) and (d) for the real pi 0.73.1 (pinned in test/agents) driven by rekindle end to end against
 * the local Chat Completions server: real tmux on a private socket, a real git repository, a temp HOME. The scenarios are
 * written once in openai-scenarios.ts; this file says how pi is configured and how its session file is lost.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, test } from "vitest"
import { skipRealAgents } from "../support/real-agents/world.ts"
import {
  conversationChanged,
  type Harness,
  type OpenAiAgent,
  recordLost,
  scenario,
  serverKilled,
  startHarness,
  stopHarness,
  supervisorKilled
} from "./openai-scenarios.ts"
import { configurePi, PI_TASK } from "./pi-world.ts"

const T = 300_000

const pi: OpenAiAgent = {
  label: "pi-crash",
  configure: configurePi,
  task: (id, prompt) => ({ id, agent: "pi", prompt, ...PI_TASK })
}

/** pi's session file of a conversation (`~/.pi/agent/sessions/--<cwd slug>--/<time>_<id>.jsonl`). */
const sessionFile = (h: Harness, conversationId: string): string => {
  const root = path.join(h.w.home, ".pi", "agent")
  const found = fs.globSync(`sessions/*/*_${conversationId}.jsonl`, { cwd: root })
  if (found.length !== 1) throw new Error(`expected one session file of ${conversationId}, found ${found.length}`)
  return path.join(root, found[0]!)
}

describe.skipIf(skipRealAgents("pi-crash"))("real pi 0.73.1 driven by rekindle: crashes", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(pi)
  }, 180_000)
  afterAll(() => stopHarness(h))

  test(
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same pi process finishes, no relaunch, no second prompt",
    () => scenario(h, "(b)", () => supervisorKilled(h, "pb")),
    T
  )
  test(
    "(c) tmux server killed mid-task: `pi --session <id>` — the first request after carries the earlier turns plus exactly one continuation turn",
    () => scenario(h, "(c)", () => serverKilled(h, "pc")),
    T
  )
  test(
    "(d) session file deleted or corrupted: an honest fresh relaunch — the plan says why, the original prompt plus a hand-off note, once",
    () =>
      scenario(h, "(d)", () =>
        recordLost(
          h,
          {
            pd1: (id) => fs.rmSync(sessionFile(h, id)),
            pd2: (id) => fs.writeFileSync(sessionFile(h, id), "this is not a session\n")
          },
          /transcript/
        )
      ),
    T
  )
  test(
    "regression: (e) a new conversation started during the run (`/new`) is followed — resume continues the latest one, with one continuation turn",
    () => scenario(h, "(e)", () => conversationChanged(h, "pe", [{ type: "/new" }])),
    T
  )
})
