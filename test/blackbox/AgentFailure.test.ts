/**
 * Scenario 2 — an agent fails (exits 3, no done marker) while no supervisor runs. README: a task
 * "fails when its pane dies without one (the exit status is kept)"; "no agent run twice". The pane
 * stays under `remain-on-exit`, so the failure is observable after the fact: `resume` must mark the
 * task failed (exit 3), never relaunch it. Reference: the same batch run uninterrupted.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { FULL, type World, alive, isRecord, parseJson, waitFor, withWorld } from "./cli.ts"

const REPEAT = FULL ? 3 : 1

const readOr = (file: string): string => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return ""
  }
}

const failingManifest = (w: World): string => w.manifest("fail.json", [{ id: "x", mode: "fail", a: 3, b: 2 }])

const expectFailedWith3 = async (w: World, batchId: string): Promise<void> => {
  const t = await w.taskStatus(batchId, "x")
  expect(t?.["status"], "task x is failed").toBe("failed")
  const reason = t?.["exitReason"]
  if (typeof reason === "string") expect(reason, "the kept exit status is 3").toMatch(/\b3\b/)
}

describe("black-box: agent failure", () => {
  for (let round = 1; round <= REPEAT; round++) {
    const suffix = REPEAT > 1 ? ` (round ${round})` : ""

    const cases = [
      ["at once after the agent started", []],
      ["after the supervisor recorded the launch", []],
      ["at once after the agent started", ["--detached"]]
    ] as const
    for (const [when, resumeArgs] of cases) {
      const how = resumeArgs.length > 0 ? `, resume ${resumeArgs.join(" ")}` : ""
      test(
        `regression: an agent failing while no supervisor runs is not run twice — killed ${when}${how}${suffix}`,
        { timeout: 120_000 },
        () =>
          withWorld("fail-unsupervised", async (w) => {
            const run = await w.runDetached(failingManifest(w))
            expect(run.result.code, "run --detached exits 0").toBe(0)
            const batchId = run.batchId
            if (batchId === undefined) throw new Error("run --detached --json printed no batchId")
            await waitFor("agent x started", () => (w.count("start", "x") >= 1 ? true : undefined), 30_000, 25)
            if (when === "after the supervisor recorded the launch") {
              const log = path.join(w.stateDir(batchId), "supervisor.log")
              await waitFor(
                "supervisor logged x's launch",
                () => (readOr(log).includes("x: launched") ? true : undefined),
                10_000,
                25
              )
            }
            await w.killSupervisor(batchId, run.pid)
            const agentPid = w.runs().find((e) => e.kind === "start")?.pid ?? 0

            // the agent fails on its own, with nobody watching
            await waitFor(
              "agent x exited (status 3)",
              () => (w.count("fail", "x") >= 1 && !alive(agentPid) ? true : undefined),
              20_000
            )
            w.note(`panes after the failure: ${JSON.stringify(w.panes())}`)

            const resumed = await w.cli(["resume", ...resumeArgs, "--json"], 60_000)
            expect(resumed.timedOut, "resume finished in time").toBe(false)
            const doc = parseJson(resumed.stdout)
            const sup = isRecord(doc) && isRecord(doc["supervisor"]) ? doc["supervisor"]["pid"] : undefined
            if (typeof sup === "number") {
              // a background supervisor: wait until it has finished its work (the batch pauses on a failure)
              await waitFor(`background supervisor ${sup} exits`, () => (alive(sup) ? undefined : true), 30_000)
            }
            // give a (wrongly) relaunched agent time to show up in runs.log
            await new Promise((r) => setTimeout(r, 1500))
            expect(w.count("start", "x"), "agent x started exactly once").toBe(1)
            await expectFailedWith3(w, batchId)
          })
      )
    }

    test(
      `regression: an agent failing while no supervisor runs is not run twice — uninterrupted reference${suffix}`,
      { timeout: 120_000 },
      () =>
        withWorld("fail-reference", async (w) => {
          const r = await w.cli(["run", failingManifest(w), "--json"], 60_000)
          expect(r.timedOut, "run finished in time").toBe(false)
          expect(r.code, "run exits 1: the batch did not complete").toBe(1)
          expect(w.count("start", "x"), "agent x started exactly once").toBe(1)
          const batchId = w.batchIds()[0]
          if (batchId === undefined) throw new Error("no batch directory under .rekindle")
          const doc: unknown = JSON.parse(r.stdout)
          expect(isRecord(doc) ? doc["batchId"] : undefined).toBe(batchId)
          await expectFailedWith3(w, batchId)
        })
    )
  }
})
