/**
 * Real multi-PROCESS races on the real disk: 8 node processes race to acquire one lease (exactly one
 * exits 0), and 4 processes append to one journal at once (no line torn or interleaved). Children
 * start, report "ready", and are released together by a go file, so the race is real.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as JournalFs from "../../../adapters/store/JournalFs.ts"
import * as LeaseFs from "../../../adapters/store/LeaseFs.ts"

const root = resolve(import.meta.dirname, "../../..")
const node = join(root, "node_modules/.bin/node")
const children: Array<ChildProcess> = []
const dirs: Array<string> = []

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

interface Child {
  readonly ready: Promise<void>
  readonly exit: Promise<{ readonly code: number | null; readonly stderr: string }>
}

/** Start `node <fixture> ...args` (argv only, no shell). */
const start = (fixture: string, args: ReadonlyArray<string>): Child => {
  const child = spawn(node, [join(root, "test/fixtures", fixture), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let stderr = ""
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
  const ready = new Promise<void>((ok, ko) => {
    let out = ""
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("ready\n")) ok()
    })
    child.once("exit", (code) => ko(new Error(`exited ${code} before ready: ${stderr}`)))
  })
  const exit = new Promise<{ code: number | null; stderr: string }>((ok) =>
    child.once("exit", (code) => ok({ code, stderr }))
  )
  return { ready, exit }
}

const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "rk-race-"))
  dirs.push(d)
  return d
}

describe("store adapters across real processes", () => {
  it("8 processes race to acquire one lease: exactly one exits 0, the others see Held", async () => {
    const dir = tempDir()
    const lease = join(dir, "b1", "lease")
    const go = join(dir, "go")
    const racers = Array.from({ length: 8 }, (_, i) => start("store-lease-race.ts", [lease, go, `racer-${i}`]))
    await Promise.all(racers.map((r) => r.ready))
    writeFileSync(go, "")
    const exits = await Promise.all(racers.map((r) => r.exit))
    expect(
      exits.filter((e) => e.code === 0),
      JSON.stringify(exits)
    ).toHaveLength(1)
    expect(
      exits.filter((e) => e.code === 3),
      JSON.stringify(exits)
    ).toHaveLength(7)
    const onDisk = await Effect.runPromise(
      Effect.flatMap(LeaseFs.make, (l) => l.read(lease)).pipe(Effect.provide(NodeServices.layer))
    )
    expect(onDisk?.owner.startTime).toMatch(/^racer-\d$/)
  }, 60_000)

  it("4 processes appending at once to one journal: every line intact", async () => {
    const dir = tempDir()
    const journal = join(dir, "events.jsonl")
    const go = join(dir, "go")
    const writers = ["a", "b", "c", "d"].map((w) => start("store-journal-append.ts", [journal, go, w, "50"]))
    await Promise.all(writers.map((r) => r.ready))
    writeFileSync(go, "")
    const exits = await Promise.all(writers.map((r) => r.exit))
    expect(
      exits.map((e) => e.code),
      JSON.stringify(exits)
    ).toEqual([0, 0, 0, 0])
    const r = await Effect.runPromise(
      Effect.scoped(Effect.flatMap(JournalFs.make(), (j) => j.read(journal))).pipe(Effect.provide(NodeServices.layer))
    )
    expect([r.events.length, r.skipped, r.tornTail]).toEqual([200, 0, false])
    for (const w of ["a", "b", "c", "d"]) {
      expect(r.events.filter((e) => e.key.startsWith(`${w}-`)).map((e) => e.at)).toEqual(
        Array.from({ length: 50 }, (_, i) => i)
      )
    }
  }, 60_000)
})
