/**
 * `rekindle import <source>` in-process over the FakeWorld: a dry run shows the mapped batch and
 * writes nothing; the import saves it; a refused import lists every problem (exit 1, stable code,
 * nothing written); an unknown source is E_USAGE naming the sources.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { BATCH, batchState, laneBranch, laneWorktree, ORCH, type StateCase } from "../fixtures/taskplane/states.ts"
import { REPO } from "../support/world.ts"
import { CliHarness } from "./harness.ts"
import { FakeWorld } from "../../adapters/testing.ts"

const taskplaneRepo = async (c: Omit<StateCase, "root"> = {}) => {
  const h = new CliHarness()
  h.world.git.initRepo(REPO, { "README.md": "shop\n" })
  await h.world.run(
    Effect.gen(function* () {
      const git = yield* Worktrees
      for (const n of [1, 2]) yield* git.add(REPO, { path: laneWorktree(REPO, n), branch: laneBranch(n), base: "main" })
    })
  )
  h.world.writeFile(`${REPO}/.pi/batch-state.json`, JSON.stringify(batchState({ root: REPO, ...c })))
  return h
}

const saved = (h: CliHarness) => h.world.run(h.world.memory.fs.exists(`${REPO}/.rekindle/${BATCH}`))

describe("rekindle import", () => {
  it("--dry-run shows the mapped batch (target branch, tasks, lanes, worktrees) and writes nothing", async () => {
    const h = await taskplaneRepo()
    const r = await h.run("import", "taskplane", "--dry-run")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`taskplane batch ${BATCH}`)
    expect(r.stdout).toContain(`merges into ${ORCH} (the batch's base branch main is left to taskplane)`)
    expect(r.stdout).toContain(`.rekindle/worktrees/${BATCH}/TP-301`)
    expect(r.stdout).toContain("dry run: nothing written")
    expect(await saved(h)).toBe(false)
  })

  it("--json: one document of the documented shape", async () => {
    const h = await taskplaneRepo()
    const r = await h.run("import", "taskplane", "--dry-run", "--json")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as {
      dryRun: boolean
      saved: null
      baseBranch: string
      tasks: Array<{ id: string; lane: string | null }>
    }
    expect(doc).toMatchObject({ dryRun: true, saved: null, baseBranch: ORCH })
    expect(doc.tasks.find((t) => t.id === "TP-202")?.lane).toBe("lane-1")
  })

  it("imports and saves: the batch is then rekindle's (status reads it)", async () => {
    const h = await taskplaneRepo()
    const r = await h.run("import", "taskplane")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`saved as ${REPO}/.rekindle/${BATCH}/state.json`)
    expect(await saved(h)).toBe(true)
    expect((await h.run("status", BATCH)).code).toBe(0)
  })

  it("a refused import lists every problem on its own line, exits 1 with the first problem's code, writes nothing", async () => {
    const h = await taskplaneRepo({ phase: "launching", mode: "workspace", baseBranch: "", orchBranch: "" })
    const r = await h.run("import", "taskplane", "--dry-run")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("E_NOT_RESUMABLE")
    expect(r.stderr).toContain("  - batch 20260301T090000 is launching")
    expect(r.stderr).toContain("  - batch 20260301T090000 runs in taskplane's workspace (polyrepo) mode")
    expect(r.stderr).toContain("records no base branch")
    expect(await saved(h)).toBe(false)
    const json = await h.run("import", "taskplane", "--json")
    const doc = JSON.parse(json.stdout) as { error: { code: string; details: { problems: ReadonlyArray<string> } } }
    expect(doc.error.code).toBe("E_NOT_RESUMABLE")
    expect(doc.error.details.problems).toHaveLength(3)
    expect(await saved(h)).toBe(false)
  })

  it("--base-branch imports a v1 state that records no branch", async () => {
    const h = await taskplaneRepo({ schemaVersion: 1 })
    expect((await h.run("import", "taskplane", "--dry-run")).code).toBe(1)
    const r = await h.run("import", "taskplane", "--base-branch", "main", "--json")
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ baseBranch: "main", saved: `${REPO}/.rekindle/${BATCH}/state.json` })
  })

  it("an unknown source is E_USAGE naming the sources; no state file is E_NO_STATE", async () => {
    const h = new CliHarness()
    h.world.git.initRepo(REPO, { "README.md": "x\n" })
    const bad = await h.run("import", "nope")
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('unknown import source "nope"')
    expect(bad.stderr).toContain("taskplane")
    const none = await h.run("import", "taskplane")
    expect(none.code).toBe(1)
    expect(none.stderr).toContain("E_NO_STATE")
  })

  it("multiclaude: --repo <root>/repos/<name> reads <root>/state.json; the dry run maps its workers and writes nothing", async () => {
    const root = "/home/dev/.multiclaude"
    const repo = `${root}/repos/my-app`
    const h = new CliHarness(new FakeWorld(), repo)
    h.world.git.initRepo(repo, { "README.md": "my-app\n" })
    for (const name of ["workspace", "clever-fox", "quiet-wren", "brave-owl", "calm-lynx"])
      h.world.addWorktree(repo, `${root}/wts/my-app/${name}`, `work/${name}`, "main")
    const fixture = fs.readFileSync(nodePath.join(import.meta.dirname, "../fixtures/multiclaude/state.json"), "utf8")
    h.world.writeFile(`${root}/state.json`, fixture.replaceAll("@ROOT@", root))
    const r = await h.run("import", "multiclaude", "--repo", repo, "--dry-run", "--json")
    expect(r.code, r.stderr + r.stdout).toBe(0)
    const doc = JSON.parse(r.stdout) as { dryRun: boolean; tasks: Array<{ id: string }> }
    expect(doc.dryRun).toBe(true)
    expect(doc.tasks.map((t) => t.id).sort()).toEqual(["brave-owl", "calm-lynx", "clever-fox", "quiet-wren"])
    expect(await h.world.run(h.world.memory.fs.exists(`${repo}/.rekindle`))).toBe(false)
  })

  // Found by an outside tester: the live daemon hid every other problem, `--state-file` was ignored for multiclaude,
  // and the dry run said "merges into main" for a batch whose merges stay multiclaude's.
  describe("regression: multiclaude import as the docs promise it", () => {
    const root = "/home/dev/.multiclaude"
    const repo = `${root}/repos/my-app`
    const fixture = () =>
      fs.readFileSync(nodePath.join(import.meta.dirname, "../fixtures/multiclaude/state.json"), "utf8")
    const world = () => {
      const h = new CliHarness(new FakeWorld(), repo)
      h.world.git.initRepo(repo, { "README.md": "my-app\n" })
      for (const name of ["workspace", "clever-fox", "quiet-wren", "brave-owl", "calm-lynx"])
        h.world.addWorktree(repo, `${root}/wts/my-app/${name}`, `work/${name}`, "main")
      return h
    }

    it("a live daemon is refused together with every mapping problem, nothing written", async () => {
      const h = world()
      const doc = JSON.parse(fixture().replaceAll("@ROOT@", root))
      doc.repos["my-app"].agents["owl"] = { ...doc.repos["my-app"].agents["brave-owl"], worktree_path: "/usr" }
      h.world.writeFile(`${root}/state.json`, JSON.stringify(doc))
      const daemon = h.world.procs.spawn(["multiclaude", "daemon", "_run"])
      h.world.writeFile(`${root}/daemon.pid`, `${daemon.pid}\n`)
      h.world.writeFile(`/proc/${daemon.pid}`, "") // the fake disk's view of a live pid
      const r = await h.run("import", "multiclaude", "--repo", repo, "--dry-run", "--json")
      expect(r.code).toBe(1)
      const err = (JSON.parse(r.stdout) as { error: { code: string; details: { problems: ReadonlyArray<string> } } })
        .error
      expect(err.code).toBe("E_LOCKED")
      expect(err.details.problems[0]).toContain(`daemon (pid ${daemon.pid}) is running`)
      expect(err.details.problems.some((p) => p.includes("/usr") && p.includes("outside"))).toBe(true)
      expect(await h.world.run(h.world.memory.fs.exists(`${repo}/.rekindle`))).toBe(false)
    })

    it("--state-file is read instead of <root>/state.json; the dry run says rekindle merges nothing", async () => {
      const h = world()
      h.world.writeFile(`${root}/state.json`, "{ not json")
      h.world.writeFile("/tmp/snap/state.json", fixture().replaceAll("@ROOT@", root))
      const r = await h.run(
        "import",
        "multiclaude",
        "--repo",
        repo,
        "--state-file",
        "/tmp/snap/state.json",
        "--dry-run"
      )
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("merges: none by rekindle (merge policy host: multiclaude merges its own work)")
      expect(r.stdout).not.toContain("merges into")
    })
  })
})
