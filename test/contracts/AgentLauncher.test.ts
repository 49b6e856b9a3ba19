import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as AgentLauncherFake from "../../adapters/agent/AgentLauncherFake.ts"
import * as AgentLauncherFs from "../../adapters/agent/AgentLauncherFs.ts"
import * as MemoryFileSystem from "../../adapters/fs/MemoryFileSystem.ts"
import { agentLauncherContract } from "./AgentLauncher.contract.ts"

agentLauncherContract("fake (in-memory FileSystem, the one embedders get)", async () => {
  const { fs: mem } = MemoryFileSystem.make()
  const cwd = "/repo/.rekindle/worktrees/b1/task_1"
  const mkdirp = (p: string) => mem.makeDirectory(p, { recursive: true })
  await Effect.runPromise(Effect.andThen(mkdirp(cwd), mkdirp(AgentLauncherFake.FAKE_HOME)))
  return {
    home: AgentLauncherFake.FAKE_HOME,
    cwd,
    launcher: (options = {}) => AgentLauncherFake.make(mem, options),
    writeFile: (p, content) =>
      Effect.runPromise(
        Effect.andThen(
          mkdirp(path.posix.dirname(p)),
          typeof content === "string" ? mem.writeFileString(p, content) : mem.writeFile(p, content)
        )
      ),
    cleanup: async () => {}
  }
})

agentLauncherContract("real FileSystem (temp home)", async () => {
  // realpath: on macOS /tmp is a symlink; Claude records physical paths, so tests use them too.
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "rekindle-agent-")))
  const home = path.join(root, "home")
  const cwd = path.join(root, "repo", ".rekindle", "worktrees", "b1", "task_1")
  fs.mkdirSync(home, { recursive: true })
  fs.mkdirSync(cwd, { recursive: true })
  const services = await Effect.runPromise(
    Effect.provide(
      Effect.all([FileSystem.FileSystem.useSync((x) => x), Path.Path.useSync((x) => x)]),
      NodeServices.layer
    )
  )
  return {
    home,
    cwd,
    launcher: (options = {}) =>
      AgentLauncherFs.make(services[0], services[1], {
        ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
        home,
        env: options.env ?? {},
        newId: AgentLauncherFake.sequentialIds()
      }),
    writeFile: async (p, content) => {
      fs.mkdirSync(path.dirname(p), { recursive: true })
      fs.writeFileSync(p, content)
    },
    cleanup: async () => fs.rmSync(root, { recursive: true, force: true })
  }
})
