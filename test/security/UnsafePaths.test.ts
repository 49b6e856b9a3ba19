/**
 * Paths in state that escape the repo (issue 8): an absolute path elsewhere, `..` segments, a done
 * marker outside, a worktree (or the batch's whole worktrees directory) that is a symlink to a
 * directory outside the repo. Every acting command refuses before any action with E_UNSAFE_PATH —
 * through the real CLI on a real crashed batch and through the engine — and nothing changes:
 * state, journal, lease, sessions, worktrees, branches, refs, and the outside directory.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadState } from "../../core/engine/support/StateIO.ts"
import * as Node from "../../adapters/node.ts"
import { crashedBatch, type RealBatch } from "../support/real/cli.ts"
import { runCli } from "./cli.ts"
import { ACTING, applyEscape, type EscapeCase, runActing } from "./unsafe.ts"

let b: RealBatch
let outside: string
beforeAll(async () => {
  b = await crashedBatch([{ id: "a" }, { id: "b" }])
  outside = nodePath.join(b.dir, "outside")
  fs.mkdirSync(outside)
}, 60_000)
afterAll(() => b.cleanup())

/** The engine's own load (what every use-case starts with), as E_ code or "loaded". */
const engineLoad = () =>
  Effect.runPromise(
    loadState({ repoRoot: b.repo, batchId: b.batchId }).pipe(
      Effect.map(() => "loaded"),
      Effect.catch((e) => Effect.succeed(e.code)),
      Effect.provide(Node.layer({ socket: b.socket }))
    )
  )

const refusedEverywhere = async (c: EscapeCase, commands: ReadonlyArray<ReadonlyArray<string>>) => {
  const undo = applyEscape(b, c, outside)
  try {
    const r = await runActing(b, outside, commands)
    expect(r.outcomes.map((o) => [o.command, o.errorCode])).toEqual(
      commands.map((cmd) => [cmd.join(" "), "E_UNSAFE_PATH"])
    )
    expect(r.changed).toEqual([])
    expect(await engineLoad()).toBe("E_UNSAFE_PATH")
    return r
  } finally {
    undo()
  }
}

describe("state whose paths escape the repo", () => {
  it("the crashed batch itself loads (the cases below are what makes it unsafe)", async () => {
    expect(await engineLoad()).toBe("loaded")
  })

  it.each<EscapeCase>(["absolute", "dotdot", "marker"])(
    "%s: resume and repair refuse, nothing changes",
    async (c) => {
      await refusedEverywhere(c, [
        ["resume", "--detached"],
        ["repair", "--yes"]
      ])
    },
    60_000
  )

  it("regression: a worktree moved out of the repo and symlinked back was acted on (resume relaunched and journaled there); every command now refuses, naming the real destination", async () => {
    const r = await refusedEverywhere("symlink", ACTING)
    expect(r.outcomes[0]!.message).toContain(`${nodePath.join(outside, "a")}`)
  }, 90_000)

  it("regression: the same through a symlinked .rekindle/worktrees/<batch> directory", async () => {
    await refusedEverywhere("symlinkDir", [
      ["resume", "--detached"],
      ["abort", "--hard", "--yes"],
      ["restart", "a", "--yes"]
    ])
  }, 90_000)

  it("regression: a batch id argument such as ../../x read a state file from outside .rekindle; it is now E_USAGE", async () => {
    // A state planted two levels above .rekindle/ that claims this repo.
    const planted = nodePath.join(b.dir, "x")
    fs.mkdirSync(planted)
    fs.copyFileSync(nodePath.join(b.repo, ".rekindle", b.batchId, "state.json"), nodePath.join(planted, "state.json"))
    const r = await runCli(["status", "../../x", "--json", "--repo", b.repo], b.repo)
    expect(JSON.parse(r.stdout).error.code).toBe("E_USAGE")
    expect(JSON.parse(r.stdout).error.message).toContain("is not a batch id")
  }, 60_000)
})
