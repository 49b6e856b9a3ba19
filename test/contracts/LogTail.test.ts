import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as LogTailFs from "../../adapters/logs/LogTailFs.ts"
import { MemFs } from "../adapters/agent/MemFs.ts"
import { logTailContract } from "./LogTail.contract.ts"

logTailContract("in-memory FileSystem", async () => {
  const mem = new MemFs()
  const dir = "/work/logs"
  mem.mkdirp(dir)
  return {
    tail: LogTailFs.make(mem.fs),
    dir,
    append: async (p, bytes) => mem.append(p, bytes),
    truncate: async (p, length) => mem.truncate(p, length),
    replace: async (p, bytes) => mem.writeFile(p, bytes),
    mkdir: async (p) => mem.mkdirp(p),
    cleanup: async () => {}
  }
})

logTailContract("real FileSystem (temp dir)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rekindle-logtail-"))
  const nodeFs = await Effect.runPromise(
    Effect.provide(
      FileSystem.FileSystem.useSync((x) => x),
      NodeServices.layer
    )
  )
  return {
    tail: LogTailFs.make(nodeFs),
    dir,
    append: async (p, bytes) => fs.appendFileSync(p, bytes),
    truncate: async (p, length) => fs.truncateSync(p, length),
    replace: async (p, bytes) => {
      const tmp = `${p}.rotating`
      fs.writeFileSync(tmp, bytes)
      fs.renameSync(tmp, p)
    },
    mkdir: async (p) => fs.mkdirSync(p),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true })
  }
})
