/**
 * Every reachable error code through the CLI: the exit code (2 for E_USAGE, else 1), one line plus a
 * hint on stderr and nothing on stdout in human mode, exactly one `{ error: { code, message, hint } }`
 * document on stdout with --json — and never a stack trace.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { describe, expect, it } from "vitest"
import type { BatchState } from "../../core/domain/State.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { crashed } from "./scenario.ts"
import { CliHarness } from "./harness.ts"
import { readState, REPO } from "../support/world.ts"

const state = (_h: CliHarness) => batchPaths(REPO, "b1").state

/** Persist an edited copy of b1's state. */
const edit = async (h: CliHarness, f: (s: BatchState) => BatchState) => {
  const s = await readState(h.world)
  await h.world.run(saveState(f(s), h.world.clock.now()))
}

/** Assert the error both ways and return the JSON error. */
const expectError = async (h: CliHarness, code: string, ...argv: ReadonlyArray<string>) => {
  const text = await h.run(...argv)
  expect(text.stdout).toBe("")
  const lines = text.stderr
    .replace(/\u001b\[[0-9;]*m/g, "")
    .trimEnd()
    .split("\n")
  expect(lines).toHaveLength(2)
  expect(lines[0]).toMatch(new RegExp(`^error\\[${code}\\]: `))
  expect(lines[1]).toMatch(/^hint: ./)
  expect(text.stderr).not.toMatch(/\n\s+at /) // no stack trace
  const json = await h.json(...argv)
  expect(Object.keys(json.doc)).toEqual(["error"])
  expect(json.doc.error.code).toBe(code)
  expect(typeof json.doc.error.hint).toBe("string")
  expect(json.code).toBe(text.code)
  expect(text.code).toBe(code === "E_USAGE" ? 2 : 1)
  // biome-ignore lint/suspicious/noExplicitAny: details differ per error code; each test reads its own
  return json.doc.error as { code: string; message: string; hint: string; details?: any }
}

describe("usage errors (exit 2)", () => {
  it("unknown flag, unknown command, missing argument, bad value", async () => {
    const h = await crashed()
    await expectError(h, "E_USAGE", "plan", "--bogus")
    await expectError(h, "E_USAGE", "stat")
    await expectError(h, "E_USAGE", "restart")
    await expectError(h, "E_USAGE", "abort", "--grace", "soon")
  })
  it("a batch and --all together; an unusable socket name; --follow with --json", async () => {
    const h = await crashed()
    await expectError(h, "E_USAGE", "repair", "b1", "--all")
    await expectError(h, "E_USAGE", "status", "--socket", "a/b")
    expect((await h.json("logs", "a", "--follow")).doc.error.code).toBe("E_USAGE")
  })
})

describe("operational errors (exit 1)", () => {
  it("E_NO_STATE: a repo without batches", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO)
    const e = await expectError(h, "E_NO_STATE", "status")
    expect(e.hint).toContain("rekindle run")
  })
  it("E_AMBIGUOUS_BATCH lists the candidates; naming one works", async () => {
    const h = await crashed()
    await edit(h, (s) => ({ ...s, batchId: "b2" }))
    const e = await expectError(h, "E_AMBIGUOUS_BATCH", "status")
    expect(e.details.batches.map((b: { batchId: string }) => b.batchId).sort()).toEqual(["b1", "b2"])
    expect(e.message).toContain("b1")
    expect((await h.run("status", "b1")).code).toBe(0)
  })
  it("E_STATE_CORRUPT and E_STATE_VERSION leave the file untouched", async () => {
    const h = await crashed()
    await h.write(state(h), "{ not json")
    const corrupt = await expectError(h, "E_STATE_CORRUPT", "status", "b1")
    expect(corrupt.details.path).toBe(state(h))
    expect(await h.read(state(h))).toBe("{ not json")
    const newer = JSON.stringify({ version: 99, batchId: "b1" })
    await h.write(state(h), newer)
    await expectError(h, "E_STATE_VERSION", "plan", "b1")
    expect(await h.read(state(h))).toBe(newer)
  })
  it('regression: with no batch named, an unreadable state was reported as E_NO_STATE ("start one with rekindle run")', async () => {
    const h = await crashed()
    await h.write(state(h), "{ not json")
    const corrupt = await expectError(h, "E_STATE_CORRUPT", "status")
    expect(corrupt.details.path).toBe(state(h))
    await expectError(h, "E_STATE_CORRUPT", "logs", "a")
    await h.write(state(h), JSON.stringify({ version: 99, batchId: "b1" }))
    await expectError(h, "E_STATE_VERSION", "plan")
    expect(await h.read(state(h))).toBe(JSON.stringify({ version: 99, batchId: "b1" }))
  })
  it("regression: repair --all took the sessions and worktrees of a batch with a corrupt state for orphans", async () => {
    const h = await crashed()
    await h.write(state(h), "{ not json")
    const e = await expectError(h, "E_STATE_CORRUPT", "repair", "--all", "--dry-run")
    expect(e.message).toContain("never treats the resources of a batch it cannot read as orphans")
    await expectError(h, "E_STATE_CORRUPT", "repair", "--all", "--yes")
    expect(await h.read(state(h))).toBe("{ not json")
  })
  it("E_UNSAFE_PATH: state naming paths outside the repo", async () => {
    const h = await crashed()
    await edit(h, (s) => ({ ...s, tasks: s.tasks.map((t, i) => (i === 0 ? { ...t, worktree: "/etc/evil" } : t)) }))
    await expectError(h, "E_UNSAFE_PATH", "resume")
  })
  it("regression: a batch directory linked to a directory outside the repo was used when the done markers live in the worktrees", async () => {
    const h = await crashed()
    await edit(h, (s) => ({ ...s, tasks: s.tasks.map((t) => ({ ...t, doneMarker: `${t.worktree}/.rekindle-done` })) }))
    const dir = batchPaths(REPO, "b1").dir
    await h.world.run(
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        yield* fs.makeDirectory("/elsewhere", { recursive: true })
        yield* fs.rename(dir, "/elsewhere/b1")
        yield* fs.symlink("/elsewhere/b1", dir)
      })
    )
    const e = await expectError(h, "E_UNSAFE_PATH", "resume")
    expect(e.message).toContain("batch directory")
    await expectError(h, "E_UNSAFE_PATH", "status")
  })
  it("E_NOT_RESUMABLE: a completed batch", async () => {
    const h = await crashed()
    expect((await h.run("resume")).code).toBe(0)
    const e = await expectError(h, "E_NOT_RESUMABLE", "resume")
    expect(e.message).toContain("b1")
  })
  it("E_LOCKED names the live owner", async () => {
    const h = await crashed()
    const { acquireLease } = await import("../../core/engine/support/SupervisorLease.ts")
    await h.world.run(acquireLease(batchPaths(REPO, "b1").lease))
    const owner = h.world.supervisor.pid
    h.world.supervisor = h.world.procs.spawn(["rekindle", "other"])
    const e = await expectError(h, "E_LOCKED", "resume")
    expect(e.message).toContain(`pid ${owner}`)
    expect(e.details.owner.host).toBe("fake-host")
  })
  it("E_CONFIRMATION_REQUIRED without a terminal", async () => {
    const h = await crashed()
    await expectError(h, "E_CONFIRMATION_REQUIRED", "restart", "a")
  })
  it("E_TASK_NOT_FOUND lists the task ids", async () => {
    const h = await crashed()
    const e = await expectError(h, "E_TASK_NOT_FOUND", "restart", "zzz", "--yes")
    expect(e.hint).toContain("a, b, c")
    await expectError(h, "E_TASK_NOT_FOUND", "attach", "zzz")
    await expectError(h, "E_TASK_NOT_FOUND", "logs", "zzz")
  })
  it("E_WORKTREE_MISSING and E_WORKTREE_ARCHIVED: restart refuses before asking", async () => {
    const h = await crashed()
    h.world.deleteWorktreeDir(`${REPO}/.rekindle/worktrees/b1/b`)
    h.term.stdinIsTTY = h.term.stderrIsTTY = true
    await expectError(h, "E_WORKTREE_MISSING", "restart", "b")
    await edit(h, (s) => ({ ...s, tasks: s.tasks.map((t) => (t.id === "a" ? { ...t, worktreeArchived: true } : t)) }))
    await expectError(h, "E_WORKTREE_ARCHIVED", "restart", "a")
    expect(h.asked).toEqual([])
  })
  it("E_TMUX_UNAVAILABLE: attaching to a task with no live session, or an unreachable server", async () => {
    const h = await crashed()
    await expectError(h, "E_TMUX_UNAVAILABLE", "attach", "c")
    h.world.makeServerUnreachable(true)
    await expectError(h, "E_TMUX_UNAVAILABLE", "attach", "a")
  })
  it("E_GIT_FAILED: outside a git repository", async () => {
    const h = await crashed()
    h.term.cwd = "/elsewhere"
    const e = await expectError(h, "E_GIT_FAILED", "status")
    expect(e.hint).toContain("--repo")
    h.term.cwd = REPO
    await expectError(h, "E_GIT_FAILED", "status", "--repo", "/elsewhere")
  })
  it("E_INVALID_MANIFEST: unreadable or invalid manifest", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "hi\n" })
    await expectError(h, "E_INVALID_MANIFEST", "run", "missing.json")
    await h.write(`${REPO}/m.json`, '{"tasks": []}')
    await expectError(h, "E_INVALID_MANIFEST", "run", "m.json")
  })

  it("regression: manifest errors said 'NotFound: FileSystem.readFile', gave no line/column and no hint for a misspelt key", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "hi\n" })
    const missing = await expectError(h, "E_INVALID_MANIFEST", "run", "missing.json")
    expect(missing.message).toBe(`${REPO}/missing.json: cannot read it: no such file`)
    await h.write(`${REPO}/syntax.json`, '{\n  "tasks": [\n    {"id": "a",}\n  ]\n}\n')
    expect((await expectError(h, "E_INVALID_MANIFEST", "run", "syntax.json")).message).toMatch(
      /syntax\.json:3:\d+: not JSON: /
    )
    const task = { id: "a", agent: "claude", prompt: { file: "prompts/a.md" } }
    await h.write(`${REPO}/typo.json`, JSON.stringify({ tasks: [task], options: { maxLane: 2 } }))
    expect((await expectError(h, "E_INVALID_MANIFEST", "run", "typo.json")).message).toContain(
      `did you mean "maxLanes"?`
    )
    await h.write(`${REPO}/prompt.json`, JSON.stringify({ tasks: [task] }))
    expect((await expectError(h, "E_INVALID_MANIFEST", "run", "prompt.json")).message).toContain(
      `prompt file prompts/a.md (${REPO}/prompts/a.md) cannot be read: no such file`
    )
  })
  it("E_IO: an unreadable snapshot file", async () => {
    const h = await crashed()
    await expectError(h, "E_IO", "plan", "--signals", "/nowhere.json")
  })
  it("E_DETACHED_HEAD: run on a detached HEAD", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "hi\n" })
    h.world.git.detachHead(REPO)
    await h.write(
      `${REPO}/m.json`,
      JSON.stringify({ tasks: [{ id: "x", agent: "shell", prompt: "p", command: ["agent"] }] })
    )
    await expectError(h, "E_DETACHED_HEAD", "run", "m.json")
  })
})

describe("refused commands change nothing", () => {
  it("a refused restart changes no file", async () => {
    const h = await crashed()
    const before = await h.read(state(h))
    await h.run("restart", "a")
    await h.run("abort", "--hard")
    expect(await h.read(state(h))).toBe(before)
    expect(h.world.agents.launches).toHaveLength(2)
  })
})
