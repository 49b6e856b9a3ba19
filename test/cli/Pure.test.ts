/**
 * The CLI's pure parts: colour decision, tables and ages, the confirmation rule, tmux client
 * detection, version checks, progress lines, and that every documented shape has a JSON Schema.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decideConfirm } from "../../cli/shared/Confirm.ts"
import { exitCodeOf } from "../../cli/Exit.ts"
import { VERSION } from "../../cli/Cli.ts"
import { insideServer } from "../../cli/shared/Attaching.ts"
import { parseVersion, transcriptDirs, versionCheck, MIN_GIT, MIN_TMUX } from "../../cli/shared/DoctorChecks.ts"
import { jsonSchemaOf, SHAPES, type ShapeName } from "../../cli/render/Shapes.ts"
import { socketFromTmuxEnv } from "../../cli/shared/TmuxEnv.ts"
import {
  eventLine,
  executorLine,
  initialProgress,
  onExecutor,
  onJournal,
  statusLine
} from "../../cli/shared/Progress.ts"
import { colorEnabled, makeStyle, padEnd, plain, visibleWidth } from "../../cli/render/Style.ts"
import { age, table } from "../../cli/render/Table.ts"
import { BUILTIN_KINDS } from "../../adapters/agent/AgentKinds.ts"
import pkg from "../../package.json" with { type: "json" }

describe("colours", () => {
  it("only on a terminal, never with NO_COLOR (non-empty) or TERM=dumb", () => {
    expect(colorEnabled(true, {})).toBe(true)
    expect(colorEnabled(false, {})).toBe(false)
    expect(colorEnabled(true, { NO_COLOR: "1" })).toBe(false)
    expect(colorEnabled(true, { NO_COLOR: "" })).toBe(true)
    expect(colorEnabled(true, { TERM: "dumb" })).toBe(false)
  })
  it("a plain style adds no escapes; a coloured one does, and widths ignore them", () => {
    expect(plain.red("x")).toBe("x")
    const red = makeStyle(true).red("fail")
    expect(red).toContain("\u001b[31m")
    expect(visibleWidth(red)).toBe(4)
    expect(visibleWidth(padEnd(red, 6))).toBe(6)
  })
})

describe("tables and ages", () => {
  it("ages read at a glance", () => {
    expect(
      [undefined, -5, 0, 59_999, 60_000, 3_599_000, 3_600_000, 3_900_000, 86_400_000, 90_000_000].map(age)
    ).toEqual(["-", "0s", "0s", "59s", "1m", "59m", "1h00m", "1h05m", "1d00h", "1d01h"])
  })
  it("columns align whatever the colours (law over random cells)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[a-z]{0,8}$/), fc.stringMatching(/^[a-z]{0,8}$/), fc.boolean()), {
          minLength: 1,
          maxLength: 6
        }),
        (rows) => {
          const cells = rows.map(([a, b, c]) => [c ? makeStyle(true).green(a) : a, b, "reason"])
          const lines = table(plain, ["A", "B", "C"], cells).map((l) => l.replace(/\u001b\[[0-9;]*m/g, ""))
          const at = lines.map((l, i) => (i === 0 ? l.indexOf("C") : l.lastIndexOf("reason")))
          return at.every((x) => x === at[0])
        }
      )
    )
  })
})

describe("confirmation rule", () => {
  it("asks only when stdin AND stderr are terminals; --yes or nothing to confirm proceeds; else refuses", () => {
    const rows: Array<[boolean, boolean, boolean, boolean, string]> = [
      [false, false, false, false, "proceed"],
      [true, true, false, false, "proceed"],
      [true, false, true, true, "ask"],
      [true, false, true, false, "refuse"],
      [true, false, false, true, "refuse"],
      [true, false, false, false, "refuse"]
    ]
    for (const [needed, yes, stdinIsTTY, stderrIsTTY, want] of rows) {
      expect(decideConfirm({ needed, yes, stdinIsTTY, stderrIsTTY })).toBe(want)
    }
  })
  it("exit codes: usage 2, everything else 1", () => {
    expect(exitCodeOf("E_USAGE")).toBe(2)
    expect(exitCodeOf("E_LOCKED")).toBe(1)
    expect(exitCodeOf("E_CONFIRMATION_REQUIRED")).toBe(1)
  })
})

describe("tmux client detection", () => {
  it("inside this server only when $TMUX's socket path ends in the socket name", () => {
    expect(insideServer(undefined, undefined)).toBe(false)
    expect(insideServer("/tmp/tmux-1000/default,123,0", undefined)).toBe(true)
    expect(insideServer("/tmp/tmux-1000/default,123,0", "rk")).toBe(false)
    expect(insideServer("/tmp/tmux-1000/rk,123,0", "rk")).toBe(true)
    expect(insideServer("/tmp/tmux-1000/rk-2,123,0", "rk")).toBe(false)
  })
})

describe("doctor checks", () => {
  it("parses tmux and git versions and applies the minimums", () => {
    expect(parseVersion("tmux 3.3a")).toEqual([3, 3])
    expect(parseVersion("tmux next-3.4")).toEqual([3, 4])
    expect(parseVersion("git version 2.39.5")).toEqual([2, 39])
    expect(versionCheck("tmux", "tmux 3.3a\n", MIN_TMUX, "x").status).toBe("ok")
    expect(versionCheck("tmux", "tmux 2.9", MIN_TMUX, "x").status).toBe("fail")
    expect(versionCheck("git", "git version 2.35.1", MIN_GIT, "x").status).toBe("fail")
    expect(versionCheck("git", undefined, MIN_GIT, "x")).toEqual({
      name: "git",
      status: "fail",
      detail: "git not found on PATH"
    })
    expect(versionCheck("git", "weird", MIN_GIT, "x").status).toBe("warn")
  })
  it("transcript directories: env override, ~ expansion, worktree-relative ones skipped", () => {
    const dirs = transcriptDirs(BUILTIN_KINDS, { HOME: "/home/u", CODEX_HOME: "/opt/codex" })
    expect(dirs.every((d) => d.dir.startsWith("/"))).toBe(true)
    expect(dirs.some((d) => d.agent === "aider")).toBe(false)
    expect(dirs.find((d) => d.agent === "claude")?.dir.startsWith("/home/u/")).toBe(true)
    expect(dirs.find((d) => d.agent === "gemini")?.dir, "not the home itself").toBe("/home/u/.gemini/tmp")
  })
})

describe("the tmux server a command runs inside", () => {
  it("$TMUX in tmux's socket directory is a -L name; elsewhere, or outside tmux, none", () => {
    expect(socketFromTmuxEnv({ TMUX: "/tmp/tmux-0/work,123,0" }, 0)).toBe("work")
    expect(socketFromTmuxEnv({ TMUX: "/tmp/tmux-0/default,123,0" }, 0)).toBe("default")
    expect(socketFromTmuxEnv({ TMUX: "/run/t/tmux-1000/work,1,2", TMUX_TMPDIR: "/run/t" }, 1000)).toBe("work")
    expect(socketFromTmuxEnv({ TMUX: "/home/u/my.sock,1,2" }, 1000)).toBeUndefined()
    expect(socketFromTmuxEnv({}, 0)).toBeUndefined()
  })
})

describe("progress lines", () => {
  it("journal and executor events", () => {
    // Plain words for people (issue 17: the journal keys stay in --json and the logs).
    expect(
      eventLine({ at: 0, key: "b1:relaunch:b:2", phase: "intent", kind: "relaunch", data: { mode: "fresh" } })
    ).toBe("… relaunching b (attempt 2, fresh)")
    expect(
      eventLine({ at: 0, key: "b1:relaunch:b:2", phase: "done", kind: "relaunch", data: { mode: "resume" } })
    ).toBe("✓ relaunched b (attempt 2, resuming its conversation)")
    expect(
      eventLine({ at: 0, key: "b1:merge:1:ui:0", phase: "done", kind: "merge", data: { wave: 1, lane: "ui" } })
    ).toBe("✓ merged wave 2 lane ui")
    expect(
      eventLine({ at: 0, key: "b1:stop:rk-b1-a:1", phase: "done", kind: "stop-session", data: { session: "rk-b1-a" } })
    ).toBe("✓ stopped session rk-b1-a")
    expect(eventLine({ at: 0, key: "b1:info", phase: "info", kind: "ContinueFromWave", data: { wave: 2 } })).toBe(
      "· continuing from wave 3"
    )
    expect(eventLine({ at: 0, key: "b1:x", phase: "done", kind: "something-new" })).toBe("✓ something-new x")
    expect(executorLine({ _tag: "WaveStarted", wave: 1, waves: 3, tasks: ["c", "d"] })).toBe("wave 2/3 started: c, d")
    const s = [
      { _tag: "WaveStarted", wave: 1, waves: 3, tasks: ["c", "d"] },
      { _tag: "TaskLaunched", taskId: "c", attempt: 1, session: "rk-c" },
      { _tag: "TaskLaunched", taskId: "d", attempt: 1, session: "rk-d" },
      { _tag: "TaskChanged", taskId: "c", status: "succeeded", reason: "" },
      { _tag: "Merged", wave: 1, lane: "c", status: "succeeded" }
    ] as const
    const state = s.reduce(onExecutor, onJournal(initialProgress, { at: 0, key: "k", phase: "done", kind: "x" }))
    expect(statusLine("resume", state)).toBe(
      "resume · 1 journaled step(s) done · wave 2/3 · 1 running, 1 done, 0 failed · merge: wave 2 succeeded"
    )
  })
})

describe("schemas and version", () => {
  it("every shape has a JSON Schema document", () => {
    for (const name of Object.keys(SHAPES) as Array<ShapeName>) {
      const doc = jsonSchemaOf(name) as Record<string, unknown>
      expect(doc["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema")
      expect(doc["type"] ?? doc["anyOf"] ?? doc["oneOf"]).toBeDefined()
    }
  })
  it("--version is package.json's version", () => {
    expect(VERSION).toBe(pkg.version)
  })
})
