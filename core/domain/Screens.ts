/**
 * The screens a real agent CLI can show before any work starts (trust, API-key approval, onboarding, notices), as data,
 * and recognising one in a pane capture. Pure: lines in, a match out. rekindle never answers a screen by typing; each
 * row says how the user (or rekindle's own config write, docs/agents.md#first-run-screens) gets past it, and `status`
 * shows a task stopped at one as waiting, with the captured lines.
 */
import * as Schema from "effect/Schema"

/** One known screen of one agent kind. */
export const FirstRunScreen = Schema.Struct({
  /** Stable id, e.g. `claude-trust`. */
  id: Schema.String,
  /** The agent kind that shows it. */
  agent: Schema.String,
  /** Every fragment must appear in the capture (case-insensitive, runs of spaces squeezed). */
  signature: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  /** How it is got past: the config key rekindle or the user sets, or the key to press by hand. */
  how: Schema.String
})
/** @see FirstRunScreen */
export type FirstRunScreen = typeof FirstRunScreen.Type

/**
 * The screens measured with the pinned CLIs (test/agents); the texts are the CLIs' own. Claude's API-key question is not
 * here: its text was not captured (it comes after the trust screen, for a key not yet approved).
 */
export const FIRST_RUN_SCREENS: ReadonlyArray<FirstRunScreen> = [
  {
    id: "claude-trust",
    agent: "claude",
    signature: ["Accessing workspace", "Yes, I trust this folder"],
    how: 'folder trust: projects["<repository root>"].hasTrustDialogAccepted in ~/.claude.json (options.trustRepository records it)'
  },
  {
    id: "claude-onboarding-offline",
    agent: "claude",
    signature: ["Unable to connect to Anthropic services"],
    how: "onboarding (offline it exits with this screen): hasCompletedOnboarding: true in ~/.claude.json (run claude once by hand)"
  },
  {
    id: "claude-auto-mode-unavailable",
    agent: "claude",
    signature: ["Auto mode can't check actions in this session"],
    how: 'permission mode: set "permissions.defaultMode" (e.g. "acceptEdits") in ~/.claude/settings.json'
  },
  {
    id: "gemini-trust",
    agent: "gemini",
    signature: ["Do you trust the files in this folder?", "Trust folder"],
    how:
      'folder trust: "<repository root>": "TRUST_FOLDER" in ~/.gemini/trustedFolders.json (covers the task worktrees under it; ' +
      'options.trustRepository records it, but never over the user\'s own "DO_NOT_TRUST")'
  },
  {
    id: "gemini-approval",
    agent: "gemini",
    signature: ["Allow execution of", "Allow once"],
    how:
      "tool approval: the task's args lack --approval-mode yolo, or the folder is untrusted (which turns YOLO off: " +
      'e.g. the user\'s own "DO_NOT_TRUST" for the repository root in ~/.gemini/trustedFolders.json); answer it in the pane'
  }
]

/** A recognised screen and the captured lines that show it (trailing blank lines dropped). */
interface ScreenMatch {
  readonly screen: FirstRunScreen
  readonly lines: ReadonlyArray<string>
}

const squeeze = (s: string): string => s.replace(/\s+/g, " ").toLowerCase()

/** The first screen of `agent` in `table` whose whole signature appears in `lines`; undefined when none does. */
export const recogniseScreen = (
  table: ReadonlyArray<FirstRunScreen>,
  agent: string,
  lines: ReadonlyArray<string>
): ScreenMatch | undefined => {
  const text = squeeze(lines.join(" "))
  const screen = table.find((s) => s.agent === agent && s.signature.every((f) => text.includes(squeeze(f))))
  if (screen === undefined) return undefined
  const kept = [...lines]
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === "") kept.pop()
  return { screen, lines: kept.filter((l, i) => l.trim() !== "" || (i > 0 && kept[i - 1]!.trim() !== "")) }
}
