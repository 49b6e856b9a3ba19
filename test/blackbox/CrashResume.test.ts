/**
 * Scenario 1 — a machine crash (supervisor SIGKILLed AND the tmux server gone, what a reboot does)
 * while 8 agents work in one wave. README: "When the supervisor, the tmux server or the machine
 * dies, rekindle reads the persisted state … no lost work, no agent run twice"; "A session killed
 * from outside (… the tmux server) is not the agent's failure: the task is re-executed in its own
 * worktree". So `rekindle resume` must finish the batch, each agent starting at most twice.
 */
import { describe, expect, test } from "vitest"
import { FULL, type World, waitAllDead, waitFor, withWorld } from "./cli.ts"

const AGENTS = FULL ? 16 : 8
const LINES = FULL ? 60 : 30
const DELAY = 0.15
const REPEAT = FULL ? 3 : 1

const crashThenResume = async (w: World, resumeArgs: ReadonlyArray<string>): Promise<void> => {
  const ids = Array.from({ length: AGENTS }, (_, i) => `t${i + 1}`)
  const manifest = w.manifest(
    "crash.json",
    ids.map((id) => ({ id, a: LINES, b: DELAY })),
    { maxLanes: AGENTS }
  )
  const run = await w.runDetached(manifest)
  expect(run.result.code, "run --detached exits 0").toBe(0)
  const batchId = run.batchId
  if (batchId === undefined) throw new Error("run --detached --json printed no batchId")

  // every agent has started and none has finished: all 8 are mid-work
  await waitFor(
    `all ${AGENTS} agents started`,
    () => (ids.every((id) => w.count("start", id) >= 1) ? true : undefined),
    60_000
  )
  const agentPids = w
    .runs()
    .filter((e) => e.kind === "start")
    .map((e) => e.pid)
  w.note(`all started; done so far: ${w.runs().filter((e) => e.kind === "done").length}`)

  // the reboot: supervisor SIGKILLed, the private tmux server killed (the agents die with it)
  await w.killSupervisor(batchId, run.pid)
  w.killServer()
  await waitAllDead(agentPids, 10_000)
  expect(w.sessions(), "no session survives the server kill").toEqual([])

  // README: "rekindle resume  # recover and continue" — in a pipe it supervises until the batch ends
  const resumed = await w.cli(["resume", ...resumeArgs], 100_000)
  expect(resumed.timedOut, "resume finished in time").toBe(false)
  expect(`${resumed.stdout}\n${resumed.stderr}`, "no relaunch-storm refusal for a server loss").not.toMatch(/storm/i)
  expect(resumed.code, "resume exits 0 once the batch completed").toBe(0)

  // world: every agent finished its work (its own log line), its file is merged into main
  const files = w.filesOn("main")
  for (const id of ids) {
    expect(w.count("done", id), `agent ${id} finished`).toBeGreaterThanOrEqual(1)
    expect(w.count("start", id), `agent ${id} started at most twice (original + one relaunch)`).toBeLessThanOrEqual(2)
    expect(files, `out---${id}.txt merged into main`).toContain(`out---${id}.txt`)
  }
  // nothing left running: no agent process alive, no session of the batch on the private server
  const allPids = w
    .runs()
    .filter((e) => e.kind === "start")
    .map((e) => e.pid)
  await waitAllDead(allPids, 10_000)
  expect(
    w.panes().filter((p) => p.tag.startsWith(`${batchId}/`) || p.session.startsWith("rk-")),
    "no task pane remains"
  ).toEqual([])
  expect(w.worktrees(), "only the main worktree remains").toHaveLength(1)
  const st = await w.status(batchId)
  const tasks = Array.isArray(st?.["tasks"]) ? (st["tasks"] as Array<Record<string, unknown>>) : []
  expect(
    tasks.filter((t) => t["status"] === "running").map((t) => t["id"]),
    "no task still 'running'"
  ).toEqual([])
}

describe("black-box: machine crash", () => {
  for (let round = 1; round <= REPEAT; round++) {
    const suffix = REPEAT > 1 ? ` (round ${round})` : ""
    test(`regression: machine crash with ${AGENTS} running agents is resumed${suffix}`, { timeout: 120_000 }, () =>
      withWorld("crash", (w) => crashThenResume(w, []))
    )
    test(
      `regression: machine crash with ${AGENTS} running agents is resumed — resume --force is accepted${suffix}`,
      { timeout: 120_000 },
      () => withWorld("crash-force", (w) => crashThenResume(w, ["--force"]))
    )
  }
})
