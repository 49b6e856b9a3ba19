import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as LogTailFs from "../../adapters/logs/LogTailFs.ts"
import * as MemoryFileSystem from "../../adapters/fs/MemoryFileSystem.ts"
import { logTailContract } from "./LogTail.contract.ts"

logTailContract("in-memory FileSystem (the one embedders get)", async () => {
  const { fs: mem } = MemoryFileSystem.make()
  const dir = "/work/logs"
  await Effect.runPromise(mem.makeDirectory(dir, { recursive: true }))
  return {
    tail: LogTailFs.make(mem),
    dir,
    append: (p, bytes) => Effect.runPromise(mem.writeFile(p, bytes, { flag: "a" })),
    truncate: (p, length) => Effect.runPromise(mem.truncate(p, length)),
    replace: (p, bytes) =>
      Effect.runPromise(Effect.andThen(mem.writeFile(`${p}.rotating`, bytes), mem.rename(`${p}.rotating`, p))),
    mkdir: (p) => Effect.runPromise(mem.makeDirectory(p)),
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
