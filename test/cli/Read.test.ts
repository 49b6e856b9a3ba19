/**
 * Read-only commands in-process over the FakeWorld: status, plan, observe, plan --signals, schema,
 * help and version — human output and --json documents (snapshots), exit codes, stdout/stderr split.
 */
import { describe, expect, it } from "vitest"
import { batchPaths } from "../../core/domain/Layout.ts"
import { crashed } from "./scenario.ts"
import { CliHarness } from "./harness.ts"
import { REPO } from "../support/world.ts"

describe("status", () => {
  it("human table: per task wave, status, liveness, age; a summary line; on stderr only what to do next", async () => {
    const h = await crashed()
    const r = await h.run("status")
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("next: no supervisor runs batch b1: `rekindle resume b1` continues it\n")
    expect(r.stdout).toMatchSnapshot()
  })
  it("--json is one document with the documented shape", async () => {
    const h = await crashed()
    const r = await h.json("status")
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    expect(r.stdout).toMatchSnapshot()
  })
  it("colours only on a terminal, never with NO_COLOR", async () => {
    const h = await crashed()
    expect((await h.run("status")).stdout).not.toContain("\u001b[")
    h.term.stdoutIsTTY = true
    expect((await h.run("status")).stdout).toContain("\u001b[")
    h.term.env = { NO_COLOR: "1" }
    expect((await h.run("status")).stdout).not.toContain("\u001b[")
  })
})

describe("plan", () => {
  it("per task action, age and reason; ordered steps; summary", async () => {
    const h = await crashed()
    const r = await h.run("plan")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatchSnapshot()
  })
  it("--json", async () => {
    const h = await crashed()
    const { code, doc, stdout } = await h.json("plan")
    expect(code).toBe(0)
    expect(doc.decisions.map((d: { taskId: string; action: string }) => [d.taskId, d.action])).toEqual([
      ["a", "reconnect"],
      ["b", "re-execute"],
      ["c", "pending"]
    ])
    expect(stdout).toMatchSnapshot()
  })
  it("changes nothing", async () => {
    const h = await crashed()
    const paths = batchPaths(REPO, "b1")
    const before = [await h.read(paths.state), await h.read(paths.journal)]
    const launches = h.world.agents.launches.length
    await h.run("plan")
    await h.run("observe", "--json")
    expect(h.world.agents.launches.length).toBe(launches)
    expect([await h.read(paths.state), await h.read(paths.journal)]).toEqual(before)
    expect((await h.json("status")).doc.tasks.map((t: { session: string }) => t.session)).toEqual([
      "alive",
      "dead-pane",
      "absent"
    ])
  })
})

describe("observe and plan --signals", () => {
  it("observe prints a readable account; --json the snapshot", async () => {
    const h = await crashed()
    const text = await h.run("observe")
    expect(text.code).toBe(0)
    expect(text.stdout).toMatchSnapshot()
    const { doc } = await h.json("observe")
    expect(doc.tmux.state).toBe("up")
  })
  it("a saved snapshot replays to the same decisions and plan, without live calls", async () => {
    const h = await crashed()
    const snap = await h.run("observe", "--json")
    const live = (await h.json("plan")).doc
    await h.write(`${REPO}/signals.json`, snap.stdout)
    // The world moves on (tmux dies): a replay must not see it.
    h.world.killServer()
    const replay = (await h.json("plan", "--signals", "signals.json")).doc
    expect(replay.source).toBe("snapshot")
    expect(replay.decisions).toEqual(live.decisions)
    expect(replay.plan).toEqual(live.plan)
    expect(replay.resumePoint).toEqual(live.resumePoint)
  })
  it("a file that is not a snapshot is a usage error; a missing one E_IO", async () => {
    const h = await crashed()
    await h.write(`${REPO}/bad.json`, '{"nope":1}')
    const bad = await h.json("plan", "--signals", "bad.json")
    expect([bad.code, bad.doc.error.code]).toEqual([2, "E_USAGE"])
    const missing = await h.json("plan", "--signals", "/nowhere.json")
    expect([missing.code, missing.doc.error.code]).toEqual([1, "E_IO"])
  })
})

describe("schema, help, version", () => {
  it("schema <name> prints a JSON Schema document for every documented shape", async () => {
    const h = new CliHarness()
    for (const name of ["state", "manifest", "signals", "plan", "status", "error"]) {
      const r = await h.run("schema", name)
      expect(r.code).toBe(0)
      const doc = JSON.parse(r.stdout)
      expect(doc.$schema).toBe("https://json-schema.org/draft/2020-12/schema")
    }
    const unknown = await h.run("schema", "nope")
    expect(unknown.code).toBe(2)
  })
  it("help lists every command with examples; --version", async () => {
    const h = new CliHarness()
    const help = await h.run("--help")
    expect(help.code).toBe(0)
    for (const c of [
      "run",
      "status",
      "plan",
      "resume",
      "repair",
      "attach",
      "restart",
      "abort",
      "logs",
      "observe",
      "schema",
      "doctor",
      "demo"
    ]) {
      expect(help.stdout).toContain(`  ${c} `)
      const sub = await h.run(c, "--help")
      expect(sub.code).toBe(0)
      expect(sub.stdout).toContain("EXAMPLES")
    }
    expect((await h.run("--version")).stdout).toBe("rekindle v0.1.0\n")
  })
  it("no command: help on stdout, exit 0; with --json an E_USAGE document", async () => {
    const h = new CliHarness()
    const bare = await h.run()
    expect(bare.code).toBe(0)
    expect(bare.stdout).toContain("SUBCOMMANDS")
    const json = await h.json()
    expect([json.code, json.doc.error.code]).toEqual([2, "E_USAGE"])
  })
})
