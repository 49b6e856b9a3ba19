/**
 * Recognising an agent's first-run screen in a pane capture (core/domain/Screens.ts), on the texts the pinned Claude
 * Code 2.1.328 printed (captured by hand with the real CLI; the suite in test/real-agents sees them live).
 */
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { FIRST_RUN_SCREENS, FirstRunScreen, recogniseScreen } from "../../core/domain/Screens.ts"

const TRUST = [
  "────────────────────────────────────────────────────────────",
  " Accessing workspace:",
  " /tmp/exp/repo",
  " Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open",
  " source project, or work from your team). If not, take a moment to review what's in this folder first.",
  " Claude Code'll be able to read, edit, and execute files here.",
  " Security guide",
  " ❯ No, exit",
  "   Yes, I trust this",
  "   folder",
  " Enter to confirm · Esc to cancel",
  "",
  ""
]

// Gemini CLI 0.61.0 in a folder not yet trusted (captured with the real CLI in a private tmux server).
const GEMINI_TRUST = [
  " ╭──────────────────────────────────────────────────────────────╮",
  " │ Do you trust the files in this folder?                       │",
  " │ Trusting a folder allows Gemini CLI to load its local configurations, including custom commands, hooks, MCP │",
  " │ ● 1. Trust folder (repo)                                     │",
  " │   2. Trust parent folder (w-KzKSOC)                          │",
  " │   3. Don't trust                                             │",
  " ╰──────────────────────────────────────────────────────────────╯"
]

// Gemini CLI 0.61.0 in a folder it does not trust (YOLO off), its shell call waiting; captured from the real CLI.
const GEMINI_APPROVAL = [
  "│ Allow execution of [Shell]?                                                  │",
  "│ Redirection detected. To auto-accept, press Shift+Tab                        │",
  "│                                                                              │",
  "│ ● 1. Allow once                                                              │",
  "│   2. No, suggest changes (esc)                                               │",
  "╰──────────────────────────────────────────────────────────────────────────────╯"
]

const WORKING = [
  " ▐▛███▜▌   Claude Code v2.1.328",
  "❯ Task c1: create c1.txt, commit it, then report done. TASK=c1",
  "  Ran 1 shell command",
  "● Task c1 is done."
]

describe("first-run screens", () => {
  it("the table decodes with its own schema and its ids are unique", () => {
    for (const s of FIRST_RUN_SCREENS) expect(Schema.decodeUnknownSync(FirstRunScreen)(s)).toEqual(s)
    expect(new Set(FIRST_RUN_SCREENS.map((s) => s.id)).size).toBe(FIRST_RUN_SCREENS.length)
  })

  it("recognises Claude's trust screen, even wrapped across lines, and keeps the captured lines (trailing blanks dropped)", () => {
    const m = recogniseScreen(FIRST_RUN_SCREENS, "claude", TRUST)
    expect(m?.screen.id).toBe("claude-trust")
    expect(m?.lines).toEqual(TRUST.slice(0, -2))
  })

  it("recognises Gemini CLI's trust screen, for the gemini kind only", () => {
    expect(recogniseScreen(FIRST_RUN_SCREENS, "gemini", GEMINI_TRUST)?.screen.id).toBe("gemini-trust")
    expect(recogniseScreen(FIRST_RUN_SCREENS, "claude", GEMINI_TRUST)).toBeUndefined()
  })

  it("recognises Gemini CLI's tool approval; with the trust screen also on show, the trust screen is the one named", () => {
    expect(recogniseScreen(FIRST_RUN_SCREENS, "gemini", GEMINI_APPROVAL)?.screen.id).toBe("gemini-approval")
    expect(recogniseScreen(FIRST_RUN_SCREENS, "gemini", [...GEMINI_APPROVAL, ...GEMINI_TRUST])?.screen.id).toBe(
      "gemini-trust"
    )
  })

  it("a working agent, another agent kind, or an empty capture is no screen", () => {
    expect(recogniseScreen(FIRST_RUN_SCREENS, "claude", WORKING)).toBeUndefined()
    expect(recogniseScreen(FIRST_RUN_SCREENS, "codex", TRUST)).toBeUndefined()
    expect(recogniseScreen(FIRST_RUN_SCREENS, "claude", [])).toBeUndefined()
  })

  it("half a signature is not enough: the prompt text quoting one fragment is not the screen", () => {
    expect(recogniseScreen(FIRST_RUN_SCREENS, "claude", ["❯ explain the Accessing workspace message"])).toBeUndefined()
  })
})
