/**
 * Scenario (e): the conversation id changes during the run. The real Claude Code 2.1.328 under `rekindle run` finishes
 * a first turn, the user types `/clear` (a new conversation in the same process: Claude rewrites its registry entry
 * `~/.claude/sessions/<pid>.json`) and one more turn; the tmux server is killed mid-turn; `resume` must continue the
 * post-/clear conversation, not the one rekindle assigned at launch. Asserted on the requests the model server received.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import {
  messageText,
  type RecordedRequest,
  type Turn,
  userTurnsContaining
} from "../support/model-servers/anthropic.ts"
import { claudeTask, commandsIn, continuationTurns, expectMerged, withClaude } from "../support/real-agents/claude.ts"
import { skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"

/** The turn typed after `/clear`: names itself so the script (and the assertions) tell the two conversations apart. */
const PART2 = "PART2 of c1: create c1b.txt, commit it, then report done."

const isPart2 = (r: RecordedRequest) => userTurnsContaining(r, "PART2 of c1") > 0
const sh = (cmd: string): Turn => ({ bash: cmd, description: "scripted" })

describe.skipIf(skipRealAgents("claude-id-change"))("real Claude Code 2.1.328: conversation id changed", () => {
  test(
    "(e) /clear during the run: resume continues the latest conversation — its turns plus exactly one continuation turn",
    () =>
      withAgentWorld("claude-e", async (w) => {
        const held = new Set<string>()
        const server = await withClaude(w, (r) => {
          const done = commandsIn(r)
          if (!isPart2(r)) {
            // Before /clear: commit c1.txt, then end the turn (Claude waits at its input box).
            if (!done.some((c) => c.includes("git add c1.txt")))
              return sh('echo c1 > c1.txt && git add c1.txt && git commit -q -m "agent c1" && echo committed')
            return { text: "Part one is done." }
          }
          if (!done.some((c) => c.includes("git add c1b.txt")))
            return sh('echo c1b > c1b.txt && git add c1b.txt && git commit -q -m "agent c1 part 2" && echo committed')
          if (continuationTurns(r) === 0) {
            held.add("part2") // mid-turn until rekindle's continuation turn arrives after the relaunch
            return { hold: new Promise<Turn>(() => {}) }
          }
          if (!done.some((c) => c.includes("REKINDLE_DONE_FILE")))
            return sh(`printf '{"status":"succeeded","summary":"scripted"}' > "$REKINDLE_DONE_FILE" && echo marked`)
          return { text: "Task c1 is done." }
        })
        const { batchId, pid } = await w.runDetached(w.manifest("e.json", [claudeTask("c1")]))
        const launchedWith = await waitFor(
          "c1 launched with its assigned id",
          () => {
            const id = fs.existsSync(path.join(w.stateDir(batchId), "state.json"))
              ? w.stateTask(batchId, "c1")["conversationId"]
              : undefined
            return typeof id === "string" ? id : undefined
          },
          60_000
        )
        await waitFor(
          "the first turn ended",
          () => (/Part one is done/.test(w.screen(batchId, "c1")) ? true : undefined),
          120_000,
          250
        )

        const pane = w.taskPane(batchId, "c1")
        expect(pane, "the agent runs in its pane").toBeDefined()
        const type = async (text: string) => {
          w.tmux(["send-keys", "-t", `=${pane!.session}:`, "-l", "--", text])
          await new Promise((r) => setTimeout(r, 700)) // Claude's input box takes the text before the key
          w.tmux(["send-keys", "-t", `=${pane!.session}:`, "Enter"])
        }
        await type("/clear")
        const followed = await waitFor(
          "the supervisor followed the agent to its new conversation",
          () => {
            const id = w.stateTask(batchId, "c1")["conversationId"]
            return typeof id === "string" && id !== launchedWith ? id : undefined
          },
          60_000,
          250
        )
        const history = w.stateTask(batchId, "c1")["history"] as Array<{ event: string; reason: string }>
        expect(history.filter((h) => h.event === "conversation").map((h) => h.reason)).toEqual([
          expect.stringContaining(`${launchedWith} to ${followed}`)
        ])
        await type(PART2)
        await waitFor("the post-/clear conversation mid-turn", () => (held.has("part2") ? true : undefined), 120_000)

        const before = server.main().length
        await w.killServerUnder(batchId, "c1", pid)

        const r = await w.cli(["resume"], 180_000)
        expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)
        expectMerged(w, batchId, ["c1"])
        expect(w.filesOn("main"), "the post-/clear work merged too").toContain("c1b.txt")

        const first = server.main().slice(before)[0]!
        expect(userTurnsContaining(first, PART2), "the post-/clear turn is carried").toBe(1)
        expect(
          commandsIn(first).some((c) => c.includes("git add c1b.txt")),
          "with its tool call"
        ).toBe(true)
        expect(
          first.messages.some((m) => m.role === "user" && messageText(m).includes("TASK=c1")),
          "not the pre-/clear conversation"
        ).toBe(false)
        expect(continuationTurns(first), "exactly one continuation turn").toBe(1)
        for (const x of server.main().slice(before)) expect(continuationTurns(x), "never a second continuation").toBe(1)
      }),
    300_000
  )
})
