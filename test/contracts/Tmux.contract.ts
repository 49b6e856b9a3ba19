/**
 * Contract for the Tmux port: the same assertions run against the fake (over TmuxWorld) and the
 * real adapter (tmux on a private socket), which is what makes the fake trustworthy.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { Tmux, TmuxError } from "../../core/ports/Tmux.ts"
import type { TmuxPane, TmuxStatus } from "../../core/domain/Signals.ts"
import { freshEach } from "./Fresh.ts"

/** What a contract run needs from the world under test. Each harness owns one fresh server. */
export interface TmuxHarness {
  readonly tmux: Tmux["Service"]
  /** The `-L` socket the adapter uses. */
  readonly socket: string
  /** An existing directory whose name is hostile (spaces, quotes, `$()`, `#{}`, `;`). */
  readonly dir: string
  /** argv of test programs, as each world runs them. */
  readonly programs: {
    /** Reads lines and prints each back (the terminal also echoes what is typed). */
    readonly cat: ReadonlyArray<string>
    readonly exit: (code: number) => ReadonlyArray<string>
    /** Prints `JSON.stringify({ argv, cwd, env: $REKINDLE_PROBE })` on one line, then stays alive. */
    readonly probe: (args: ReadonlyArray<string>) => ReadonlyArray<string>
    /** Prints `line-1` … `line-n`, then stays alive. */
    readonly lines: (n: number) => ReadonlyArray<string>
    /** Raw terminal (no echo, no line editing): everything typed is appended to `file`. */
    readonly recorder: (file: string) => ReadonlyArray<string>
  }
  /** Kill the server from outside the port. */
  readonly killServer: () => Promise<void>
  /** SIGKILL a pane's program from outside the port. */
  readonly crash: (pid: number) => Promise<void>
  /** A Tmux service whose server cannot be reached. */
  readonly unreachable: () => Promise<Tmux["Service"]>
  /** Contents of a file the pane wrote ("" when absent). */
  readonly readFile: (file: string) => Promise<string>
  /** The status-right text as the status line shows it. */
  readonly statusOf: (sessionName: string) => Promise<string>
  /** Somebody opens a window in session `name` running `argv` from outside the port (untagged); its pane id. */
  readonly openWindow: (sessionName: string, argv: ReadonlyArray<string>) => Promise<string>
  readonly cleanup: () => Promise<void>
}

const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)
const failure = <A>(e: Effect.Effect<A, TmuxError>): Promise<TmuxError> => Effect.runPromise(Effect.flip(e))

/** Poll `f` until `ok` holds (robust on a loaded machine), returning the last value. */
const until = async <A>(f: () => Promise<A>, ok: (a: A) => boolean, ms = 10_000): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const a = await f()
    if (ok(a) || Date.now() > deadline) return a
    await new Promise((r) => setTimeout(r, 50))
  }
}

const panes = (s: TmuxStatus): ReadonlyArray<TmuxPane> => (s.state === "up" ? s.panes : [])
const paneOf = (s: TmuxStatus, paneId: string) => panes(s).find((p) => p.paneId === paneId)
const count = (lines: ReadonlyArray<string>, line: string) => lines.filter((l) => l === line).length

/** Register the contract tests for one implementation. */
export const tmuxContract = (name: string, makeHarness: () => Promise<TmuxHarness>): void => {
  describe(`Tmux contract: ${name}`, () => {
    const withHarness = freshEach(makeHarness)
    const launch = (
      h: TmuxHarness,
      name: string,
      argv: ReadonlyArray<string>,
      extra: { taskTag?: string; logFile?: string } = {}
    ) => run(h.tmux.newSession({ name, cwd: h.dir, argv, ...extra }))

    it(
      "snapshot: no-server when nothing runs on the socket",
      withHarness(async (h) => {
        expect(await run(h.tmux.snapshot)).toEqual({ state: "no-server" })
        expect((await failure(h.tmux.killSession({ name: "x" }))).reason).toBe("NoServer")
      })
    )

    it(
      "snapshot: unknown (never no-server) when the server cannot be reached",
      withHarness(async (h) => {
        const cut = await h.unreachable()
        const s = await run(cut.snapshot)
        expect(s.state).toBe("unknown")
        const e = await failure(cut.killSession({ name: "x" }))
        expect(["Unreachable", "Timeout"]).toContain(e.reason)
      })
    )

    it(
      "newSession: the pane is listed with its exact name, tag and pid, alive and unpiped",
      withHarness(async (h) => {
        const p = await launch(h, 'rk-b1-task 1 "q" $(x) #{pid};', h.programs.cat, { taskTag: "b1/task-1" })
        const pane = paneOf(await run(h.tmux.snapshot), p.paneId)
        expect(pane).toMatchObject({
          sessionId: p.sessionId,
          sessionName: 'rk-b1-task 1 "q" $(x) #{pid};',
          panePid: p.panePid,
          dead: false,
          taskTag: "b1/task-1",
          piped: false
        })
        expect(p.panePid).toBeGreaterThan(0)
      })
    )

    it(
      "newSession: hostile but stable names are stored and targeted exactly",
      withHarness(async (h) => {
        const names = ["-lead", "%7", "@z", "ünï 😀", "a|b", "semi;", "x$(y)", "##{pid}"]
        for (const n of names) await launch(h, n, h.programs.cat)
        expect(
          panes(await run(h.tmux.snapshot))
            .map((p) => p.sessionName)
            .sort()
        ).toEqual([...names].sort())
        for (const n of names) {
          await run(h.tmux.sendText({ session: n }, `in ${n}`))
          await until(
            () => run(h.tmux.capture({ session: n }, 5)),
            (l) => l.includes(`in ${n}`)
          )
          expect(await run(h.tmux.capture({ session: n }, 5))).toContain(`in ${n}`)
        }
        for (const n of names) await run(h.tmux.killSession({ name: n }))
        expect(
          await until(
            () => run(h.tmux.snapshot),
            (s) => s.state === "no-server"
          )
        ).toEqual({ state: "no-server" })
      })
    )

    it(
      "newSession: a taken name is refused and the existing session is untouched",
      withHarness(async (h) => {
        const first = await launch(h, "dup", h.programs.cat)
        expect((await failure(h.tmux.newSession({ name: "dup", cwd: h.dir, argv: h.programs.cat }))).reason).toBe(
          "DuplicateSession"
        )
        const listed = panes(await run(h.tmux.snapshot)).filter((p) => p.sessionName === "dup")
        expect(listed).toHaveLength(1)
        expect(listed[0]).toMatchObject({ paneId: first.paneId, panePid: first.panePid, dead: false })
      })
    )

    it(
      "newSession: names tmux would rewrite, relative or missing dirs, empty argv are refused",
      withHarness(async (h) => {
        for (const bad of ["a.b", "a:b", "", "x\ny", "a\\b", "$x", "a/b"]) {
          expect((await failure(h.tmux.newSession({ name: bad, cwd: h.dir, argv: h.programs.cat }))).reason).toBe(
            "InvalidArgument"
          )
        }
        const spec = { name: "ok", cwd: h.dir, argv: h.programs.cat }
        for (const bad of [
          { ...spec, cwd: "rel" },
          { ...spec, cwd: `${h.dir}/missing` },
          { ...spec, argv: [] },
          { ...spec, env: { "A=B": "x" } }
        ]) {
          expect((await failure(h.tmux.newSession(bad))).reason).toBe("InvalidArgument")
        }
        expect(await run(h.tmux.snapshot)).toEqual({ state: "no-server" })
      })
    )

    it(
      "killPane takes exactly that pane: the session lives on with the others; its last pane takes the session",
      withHarness(async (h) => {
        const agent = await launch(h, "task-7", h.programs.cat)
        const other = await h.openWindow("task-7", h.programs.cat)
        await run(h.tmux.killPane({ paneId: agent.paneId }))
        const left = await until(
          () => run(h.tmux.snapshot),
          (s) => s.state === "up" && !s.panes.some((p) => p.paneId === agent.paneId)
        )
        expect(left.state === "up" ? left.panes.map((p) => [p.sessionName, p.paneId, p.dead]) : []).toEqual([
          ["task-7", other, false]
        ])
        expect((await failure(h.tmux.killPane({ paneId: agent.paneId }))).reason).toBe("NotFound")
        await run(h.tmux.killPane({ paneId: other }))
        const end = await until(
          () => run(h.tmux.snapshot),
          (s) => s.state !== "up" || s.panes.length === 0
        )
        expect(end.state === "up" ? end.panes : [], "the session went with its last pane").toEqual([])
      })
    )

    it(
      "exact targets: task-1 never reaches task-10",
      withHarness(async (h) => {
        const ten = await launch(h, "task-10", h.programs.cat)
        expect((await failure(h.tmux.killSession({ name: "task-1" }))).reason).toBe("NotFound")
        expect((await failure(h.tmux.sendText({ session: "task-1" }, "nope"))).reason).toBe("NotFound")
        expect((await failure(h.tmux.capture({ session: "task-1" }, 5))).reason).toBe("NotFound")
        expect((await failure(h.tmux.killSession({ name: "task-" }))).reason).toBe("NotFound")
        const one = await launch(h, "task-1", h.programs.cat)
        await run(h.tmux.sendText({ session: "task-1" }, "for-one"))
        await until(
          () => run(h.tmux.capture({ session: "task-1" }, 10)),
          (l) => l.includes("for-one")
        )
        expect(await run(h.tmux.capture({ paneId: ten.paneId }, 10))).not.toContain("for-one")
        await run(h.tmux.killSession({ name: "task-1" }))
        const after = await until(
          () => run(h.tmux.snapshot),
          (s) => paneOf(s, one.paneId) === undefined
        )
        expect(paneOf(after, one.paneId)).toBeUndefined()
        expect(paneOf(after, ten.paneId)).toMatchObject({ sessionName: "task-10", dead: false })
      })
    )

    it(
      "a program that exits 3 leaves a dead pane with status 3, still listed",
      withHarness(async (h) => {
        const p = await launch(h, "exits", h.programs.exit(3))
        const s = await until(
          () => run(h.tmux.snapshot),
          (x) => paneOf(x, p.paneId)?.deadStatus !== undefined
        )
        expect(paneOf(s, p.paneId)).toMatchObject({ sessionName: "exits", dead: true, deadStatus: 3 })
      })
    )

    it(
      "a program killed from outside (SIGKILL) leaves a dead pane with the signal and no exit status",
      withHarness(async (h) => {
        const p = await launch(h, "crashes", h.programs.cat)
        await h.crash(p.panePid)
        const s = await until(
          () => run(h.tmux.snapshot),
          (x) => paneOf(x, p.paneId)?.deadSignal !== undefined
        )
        expect(paneOf(s, p.paneId)).toMatchObject({ dead: true, deadSignal: 9 })
        expect(paneOf(s, p.paneId)?.deadStatus).toBeUndefined()
      })
    )

    it(
      "C-c interrupts the program: dead pane with signal 2 (SIGINT), no exit status",
      withHarness(async (h) => {
        const p = await launch(h, "interrupted", h.programs.cat)
        await run(h.tmux.sendKeys({ paneId: p.paneId }, ["C-c"]))
        const s = await until(
          () => run(h.tmux.snapshot),
          (x) => paneOf(x, p.paneId)?.deadSignal !== undefined
        )
        expect(paneOf(s, p.paneId)).toMatchObject({ dead: true, deadSignal: 2 })
        expect(paneOf(s, p.paneId)?.deadStatus).toBeUndefined()
      })
    )

    it(
      "killing the server, or its last session, reads as no-server",
      withHarness(async (h) => {
        await launch(h, "a", h.programs.cat)
        await h.killServer()
        expect(
          await until(
            () => run(h.tmux.snapshot),
            (s) => s.state === "no-server"
          )
        ).toEqual({ state: "no-server" })
        await launch(h, "b", h.programs.cat)
        await run(h.tmux.killSession({ name: "b" }))
        expect(
          await until(
            () => run(h.tmux.snapshot),
            (s) => s.state === "no-server"
          )
        ).toEqual({ state: "no-server" })
      })
    )

    it(
      "sendText types hostile text literally; submit:false leaves it unsubmitted",
      withHarness(async (h) => {
        const p = await launch(h, "typing", h.programs.cat)
        const target = { paneId: p.paneId }
        const hostile = `-x ; $(echo hi) "dq" 'sq' \`id\` #{pid} ##[bg=red] ü✓ \\ end;`
        await run(h.tmux.sendText(target, hostile, { submit: false }))
        // Echoed by the terminal once; the program has not received it yet.
        expect(
          count(
            await until(
              () => run(h.tmux.capture(target, 20)),
              (l) => l.includes(hostile)
            ),
            hostile
          )
        ).toBe(1)
        await run(h.tmux.sendKeys(target, ["Enter"]))
        // Submitted: the program prints it back.
        expect(
          count(
            await until(
              () => run(h.tmux.capture(target, 20)),
              (l) => count(l, hostile) === 2
            ),
            hostile
          )
        ).toBe(2)
      })
    )

    it(
      "sendText delivers text longer than one tmux command line intact",
      withHarness(async (h) => {
        const file = `${h.dir}/typed.txt`
        const p = await launch(h, "long", h.programs.recorder(file))
        const text = Array.from({ length: 300 }, (_, i) => `${i} ${"x".repeat(60)} ü;`).join("\n")
        expect(Buffer.byteLength(text)).toBeGreaterThan(17_000)
        await until(
          () => run(h.tmux.capture({ paneId: p.paneId }, 5)),
          (l) => l.includes("ready")
        )
        await run(h.tmux.sendText({ paneId: p.paneId }, text, { submit: false }))
        expect(
          await until(
            () => h.readFile(file),
            (c) => c.length >= text.length
          )
        ).toBe(text)
      })
    )

    it(
      "capture returns the last N lines with content",
      withHarness(async (h) => {
        const p = await launch(h, "lines", h.programs.lines(30))
        const want = ["line-26", "line-27", "line-28", "line-29", "line-30"]
        expect(
          await until(
            () => run(h.tmux.capture({ paneId: p.paneId }, 5)),
            (l) => l.includes("line-30")
          )
        ).toEqual(want)
        expect(await run(h.tmux.capture({ session: "lines" }, 0))).toEqual([])
      })
    )

    it(
      "argv, env and cwd reach the program intact",
      withHarness(async (h) => {
        const args = ["a b", '"dq"', "'sq'", "$(echo hi)", "#{pid}", "x;", ";", "\\;", "-e", "--", "ü✓", "`id`", "a\\b"]
        const env = "v #{pid} $(x) 'q';"
        const p = await run(
          h.tmux.newSession({ name: "probe", cwd: h.dir, argv: h.programs.probe(args), env: { REKINDLE_PROBE: env } })
        )
        const lines = await until(
          () => run(h.tmux.capture({ paneId: p.paneId }, 20)),
          (l) => l.some((x) => x.startsWith("{"))
        )
        expect(JSON.parse(lines.find((x) => x.startsWith("{"))!)).toEqual({ argv: args, cwd: h.dir, env })
      })
    )

    it(
      "ensurePipe twice never toggles the pipe off (hostile path)",
      withHarness(async (h) => {
        const file = `${h.dir}/log 'q' $(touch pwned) #{pid};.txt`
        const p = await launch(h, "piped", h.programs.cat)
        expect(await run(h.tmux.ensurePipe({ paneId: p.paneId }, file))).toBe(true)
        expect(paneOf(await run(h.tmux.snapshot), p.paneId)?.piped).toBe(true)
        expect(await run(h.tmux.ensurePipe({ session: "piped" }, file))).toBe(false)
        await run(h.tmux.sendText({ paneId: p.paneId }, "after-second-call"))
        expect(
          await until(
            () => h.readFile(file),
            (c) => c.includes("after-second-call")
          )
        ).toContain("after-second-call")
        expect(paneOf(await run(h.tmux.snapshot), p.paneId)?.piped).toBe(true)
        expect((await failure(h.tmux.ensurePipe({ paneId: p.paneId }, "relative.txt"))).reason).toBe("InvalidArgument")
        expect((await failure(h.tmux.ensurePipe({ paneId: "%99999" }, file))).reason).toBe("NotFound")
      })
    )

    it(
      "newSession with logFile records output from the first byte",
      withHarness(async (h) => {
        const file = `${h.dir}/first bytes.log`
        const p = await launch(h, "logged", h.programs.lines(3), { logFile: file })
        expect(paneOf(await run(h.tmux.snapshot), p.paneId)?.piped).toBe(true)
        const text = await until(
          () => h.readFile(file),
          (c) => c.includes("line-3")
        )
        expect(
          text
            .replaceAll("\r", "")
            .split("\n")
            .filter((l) => l.startsWith("line-"))
        ).toEqual(["line-1", "line-2", "line-3"])
      })
    )

    it(
      "setStatus shows the text literally",
      withHarness(async (h) => {
        await launch(h, "status", h.programs.cat)
        const text = "rekindle: 3/5 #{pid} %H 100% ;"
        await run(h.tmux.setStatus({ name: "status" }, text))
        expect(await h.statusOf("status")).toBe(text)
        expect((await failure(h.tmux.setStatus({ name: "nope" }, text))).reason).toBe("NotFound")
      })
    )

    it(
      "attachCommand targets the exact session on this socket",
      withHarness(async (h) => {
        expect(h.tmux.attachCommand({ name: "task-1" }, { insideTmux: false })).toEqual([
          "tmux",
          "-u",
          "-L",
          h.socket,
          "attach-session",
          "-t",
          "=task-1"
        ])
        expect(h.tmux.attachCommand({ sessionId: "$3" }, { insideTmux: true })).toEqual([
          "tmux",
          "-u",
          "-L",
          h.socket,
          "switch-client",
          "-t",
          "$3"
        ])
      })
    )
  })
}
