import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { NotifyPrograms } from "../../adapters/notify/NotifierFake.ts"
import * as NotifierExec from "../../adapters/notify/NotifierExec.ts"
import { Notifier } from "../../core/ports/Notifier.ts"
import { notifierContract } from "./Notifier.contract.ts"

notifierContract("fake", async () => {
  const world = new NotifyPrograms().install("recorder").install("failing", "fail")
  return {
    notifier: world.notifier,
    recorder: ["recorder"],
    failing: ["failing"],
    received: async () => world.receivedBy("recorder"),
    cleanup: async () => {}
  }
})

/** A recorder program: each run writes its stdin to the next numbered file of `dir`. */
const RECORD = `const fs=require("fs");const d=process.argv[1];const n=fs.readdirSync(d).length;fs.writeFileSync(d+"/"+String(n).padStart(4,"0"),fs.readFileSync(0))`

notifierContract("real (exec)", async () => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-notify-"))
  const notifier = await Effect.runPromise(
    Effect.service(Notifier).pipe(Effect.provide(NotifierExec.layer), Effect.provide(NodeServices.layer))
  )
  return {
    notifier,
    recorder: [process.execPath, "-e", RECORD, dir],
    failing: [process.execPath, "-e", "process.exit(3)"],
    received: async () =>
      fs
        .readdirSync(dir)
        .sort()
        .map((n) => fs.readFileSync(nodePath.join(dir, n), "utf8")),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true })
  }
})
