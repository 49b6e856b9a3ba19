/**
 * CLI test scenarios on the FakeWorld: a crashed batch (supervisor gone; one agent alive, one pane
 * crashed, one task of the next wave pending) whose agents finish on a schedule, so a resume runs
 * the batch to completion in fake time.
 */
import { FakeWorld } from "../../adapters/testing.ts"
import { CliHarness } from "./harness.ts"
import { paneOf, startBatch } from "../support/world.ts"

/** Tasks a, b (wave 1) and c (wave 2, after a); b's pane crashed, the supervisor is gone. */
export const crashed = async (world = new FakeWorld()): Promise<CliHarness> => {
  const h = new CliHarness(world)
  for (const id of ["a", "b", "c"]) h.world.agents.scripts.set(id, { afterMs: 60_000, then: "succeed" })
  await startBatch(h.world, [{ id: "a" }, { id: "b" }, { id: "c", dependsOn: ["a"] }], [["a", "b"], ["c"]])
  h.world.advanceClock(30_000)
  h.world.restartSupervisor()
  h.world.crashPane(paneOf(h.world, "b"))
  return h
}
