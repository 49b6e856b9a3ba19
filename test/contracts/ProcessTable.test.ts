import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { spawn, type ChildProcess } from "node:child_process"
import * as ProcessTableFake from "../../adapters/processtable/ProcessTableFake.ts"
import * as ProcessTableLinux from "../../adapters/processtable/ProcessTableLinux.ts"
import { FakeClock, ProcWorld } from "../../adapters/testing/World.ts"
import { processTableContract } from "./ProcessTable.contract.ts"

processTableContract("fake", async () => {
  const world = new ProcWorld(new FakeClock())
  const self = world.spawn(["rekindle"])
  return {
    table: ProcessTableFake.make(world, () => self.pid),
    startSleeper: async () => world.spawn(["sleep", "30"], self.pid).pid,
    stop: async (pid) => world.exit(pid, 0),
    cleanup: async () => {}
  }
})

processTableContract("real (/proc)", async () => {
  const children: Array<ChildProcess> = []
  const table = await Effect.runPromise(ProcessTableLinux.make.pipe(Effect.provide(NodeServices.layer)))
  return {
    table,
    startSleeper: async () => {
      const child = spawn("sleep", ["30"], { stdio: "ignore" })
      children.push(child)
      await new Promise((r) => child.once("spawn", r))
      // exec(2) replaces the forked node image; wait until /proc shows the real argv.
      await new Promise((r) => setTimeout(r, 50))
      return child.pid!
    },
    stop: async (pid) => {
      const child = children.find((c) => c.pid === pid)!
      const exited = new Promise((r) => child.once("exit", r))
      child.kill("SIGTERM")
      await exited
    },
    cleanup: async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
    }
  }
})
