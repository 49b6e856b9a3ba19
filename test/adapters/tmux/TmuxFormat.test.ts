import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { TmuxPane } from "../../../core/domain/Signals.ts"
import {
  classifyFailure,
  lastLines,
  LIST_PANES_FORMAT,
  needsReap,
  parseListPanes,
  renderPaneRow,
  sanitize,
  SEP
} from "../../../adapters/tmux/TmuxFormat.ts"

/** Fragments a session name, an argv[0] or a tag may hold. */
const HOSTILE_BITS = [
  " ",
  "\t",
  "\n",
  "\r",
  "|",
  "'",
  '"',
  "$(rm -rf ~)",
  ";",
  "`x`",
  "\\",
  "-",
  "--",
  "#{pid}",
  "#(id)",
  "ünï",
  "😀",
  SEP,
  "\u001e",
  "\u0000",
  "\u007f",
  "%1",
  "$0"
]
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_BITS), fc.string({ unit: "binary", maxLength: 6 })), { maxLength: 6 })
  .map((parts) => parts.join(""))

const pane: fc.Arbitrary<TmuxPane> = fc
  .record({
    sessionId: fc.nat(999).map((n) => `$${n}`),
    sessionName: hostile,
    paneId: fc.nat(999).map((n) => `%${n}`),
    panePid: fc.nat(4_194_304),
    dead: fc.boolean(),
    deadStatus: fc.option(fc.nat(255), { nil: undefined }),
    currentCommand: hostile,
    taskTag: fc.option(hostile, { nil: undefined }),
    piped: fc.boolean()
  })
  .map(({ deadStatus, taskTag, dead, ...rest }) => ({
    ...rest,
    dead,
    ...(dead && deadStatus !== undefined ? { deadStatus } : {}),
    ...(taskTag === undefined ? {} : { taskTag })
  }))

/** What a pane looks like after tmux's `s/[control]/?/` modifier (an empty tag is no tag). */
const asTmuxShowsIt = (p: TmuxPane): TmuxPane => {
  const { taskTag, ...rest } = p
  const tag = taskTag === undefined ? "" : sanitize(taskTag)
  return {
    ...rest,
    sessionName: sanitize(p.sessionName),
    currentCommand: sanitize(p.currentCommand),
    ...(tag === "" ? {} : { taskTag: tag })
  }
}

describe("list-panes snapshot parser", () => {
  it("parse(render(panes)) = panes as tmux shows them, for hostile names, commands and tags", () => {
    fc.assert(
      fc.property(fc.array(pane, { maxLength: 6 }), fc.nat(99_999), (panes, server) => {
        const out = panes.map((p) => `${renderPaneRow(p, server)}\n`).join("")
        const parsed = parseListPanes(out)
        expect(parsed).toEqual({
          ok: true,
          panes: panes.map(asTmuxShowsIt),
          serverPid: panes.length > 0 ? server : undefined
        })
      }),
      { numRuns: 500 }
    )
  })

  it("a name without control characters comes back exactly (spaces, quotes, $(), ;, |, unicode, leading -)", () => {
    const printable = hostile.map((s) => s.replace(/[\u0000-\u001f\u007f]/g, ""))
    fc.assert(
      fc.property(pane, printable, (p, name) => {
        const parsed = parseListPanes(renderPaneRow({ ...p, sessionName: name }, 1))
        expect(parsed.ok && parsed.panes[0]?.sessionName).toBe(name)
      }),
      { numRuns: 300 }
    )
  })

  it("every row is one line: a free-text field never splits or shifts a row", () => {
    fc.assert(
      fc.property(pane, (p) => {
        expect(renderPaneRow(p, 7).includes("\n")).toBe(false)
        expect(renderPaneRow(p, 7).split(SEP)).toHaveLength(11)
      }),
      { numRuns: 300 }
    )
  })

  it("a truncated or garbled row fails the whole parse (a skipped pane could be concluded dead)", () => {
    fc.assert(
      fc.property(pane, fc.integer({ min: 1, max: 10 }), (p, cut) => {
        const fields = renderPaneRow(p, 1).split(SEP)
        const truncated = fields.slice(0, Math.min(cut, fields.length - 1)).join(SEP)
        expect(parseListPanes(`${renderPaneRow(p, 1)}\n${truncated}\n`).ok).toBe(false)
      })
    )
    expect(parseListPanes(`1${SEP}$0${SEP}%0${SEP}abc${SEP}0${SEP}${SEP}${SEP}0${SEP}cat${SEP}${SEP}s\n`).ok).toBe(
      false
    )
  })

  it("reads real tmux 3.3 rows: killed by a signal keeps the signal apart (no exit status), dead status pending is absent", () => {
    const row = (dead: string, status: string, signal: string) =>
      ["4242", "$1", "%3", "777", dead, status, signal, "0", "node", "b1/t1", "rk-b1-t1"].join(SEP)
    const parsed = parseListPanes(
      `${row("1", "", "9")}\n${row("1", "3", "")}\n${row("1", "", "")}\n${row("0", "", "")}\n`
    )
    expect(parsed.ok && parsed.panes.map((p) => [p.dead, p.deadStatus, p.deadSignal])).toEqual([
      [true, undefined, 9],
      [true, 3, undefined],
      [true, undefined, undefined],
      [false, undefined, undefined]
    ])
    expect(parsed.ok && parsed.serverPid).toBe(4242)
    expect(parsed.ok && needsReap(parsed.panes)).toBe(true)
    expect(parseListPanes("")).toEqual({ ok: true, panes: [], serverPid: undefined })
  })

  it("the format puts the session name last and sanitizes every free-text field", () => {
    const fields = LIST_PANES_FORMAT.split(SEP)
    expect(fields[fields.length - 1]).toMatch(/session_name\}$/)
    for (const f of ["pane_current_command", "@rekindle_task", "session_name"]) {
      expect(LIST_PANES_FORMAT).toContain(`/?/:${f}}`)
    }
  })
})

describe("tmux error classification", () => {
  it.each([
    ["no server running on /tmp/tmux-0/x", "NoServer"],
    ["error connecting to /tmp/tmux-0/x (No such file or directory)", "NoServer"],
    ["error connecting to /tmp/tmux-1000/default (Permission denied)", "Unreachable"],
    ["error connecting to /tmp/tmux-0/aaaa (File name too long)", "Unreachable"],
    ["directory /tmp/tmux-0 has unsafe permissions", "Unreachable"],
    ["server exited unexpectedly", "Unreachable"],
    ["duplicate session: task-1", "DuplicateSession"],
    ["can't find session: task-1", "NotFound"],
    ["can't find pane: %9", "NotFound"],
    ["no such session: =x", "NotFound"],
    ["command too long", "Failed"]
  ] as const)("%s → %s", (stderr, reason) => {
    expect(classifyFailure(stderr)).toBe(reason)
  })
})

describe("capture tail", () => {
  it("returns at most n lines, the last ones with content, never a trailing blank", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(""), fc.string({ maxLength: 5 }))), fc.nat(12), (lines, n) => {
        const out = lastLines(`${lines.join("\n")}\n`, n)
        expect(out.length).toBeLessThanOrEqual(n)
        if (out.length > 0) expect(out[out.length - 1]!.trim()).not.toBe("")
        const content = [...lines]
        while (content.length > 0 && content[content.length - 1]!.trim() === "") content.pop()
        expect(out).toEqual(n === 0 ? [] : content.slice(-n))
      })
    )
  })
})
