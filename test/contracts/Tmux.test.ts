import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { FakeClock, ProcWorld } from "../../adapters/testing/World.ts"
import * as TmuxCli from "../../adapters/tmux/TmuxCli.ts"
import * as TmuxFake from "../../adapters/tmux/TmuxFake.ts"
import { TmuxWorld, type FakePane } from "../../adapters/tmux/TmuxWorld.ts"
import { tmuxContract } from "./Tmux.contract.ts"

const HOSTILE_DIR = "d 'q' \"dq\" $(x) #{pid} ;"

tmuxContract("fake", async () => {
  const procs = new ProcWorld(new FakeClock())
  const files = new Map<string, string>()
  const recorders = new Map<string, FakePane>()
  const dir = `/work/${HOSTILE_DIR}`
  const world = new TmuxWorld(procs, {
    pipeSink: (file, text) => files.set(file, (files.get(file) ?? "") + text),
    isDirectory: (p) => p === dir
  })
  // The fake programs: what the real ones do, acted out on the world.
  world.onLaunch = (pane, argv, cwd, env) => {
    const [prog, ...args] = argv
    if (prog === "fake-cat") pane.onSubmit = (line) => world.write(pane.id, `${line}\r\n`)
    if (prog === "fake-exit") world.exitPane(pane.id, Number(args[0]))
    if (prog === "fake-probe")
      world.write(pane.id, `${JSON.stringify({ argv: args, cwd, env: env["REKINDLE_PROBE"] ?? null })}\r\n`)
    if (prog === "fake-lines") for (let i = 1; i <= Number(args[0]); i++) world.write(pane.id, `line-${i}\r\n`)
    if (prog === "fake-recorder") {
      recorders.set(args[0]!, pane)
      world.write(pane.id, "ready\r\n")
    }
  }
  const socket = "rk-fake"
  return {
    tmux: TmuxFake.make(world, socket),
    socket,
    dir,
    programs: {
      cat: ["fake-cat"],
      exit: (code) => ["fake-exit", String(code)],
      probe: (args) => ["fake-probe", ...args],
      lines: (n) => ["fake-lines", String(n)],
      recorder: (file) => ["fake-recorder", file]
    },
    killServer: async () => world.killServer(socket),
    crash: async (pid) => void procs.kill(pid, "SIGKILL"),
    unreachable: async () => {
      world.makeServerUnreachable("rk-fake-cut", true)
      return TmuxFake.make(world, "rk-fake-cut")
    },
    readFile: async (file) => {
      const rec = recorders.get(file)
      return rec === undefined ? (files.get(file) ?? "") : [...rec.submitted, rec.input].join("\n")
    },
    statusOf: async (name) => world.sessions(socket).find((s) => s.name === name)?.status ?? "",
    openWindow: async (name, argv) => world.addPane(socket, name, argv, dir)!.id,
    cleanup: async () => {}
  }
})

const node = process.execPath
const STAY = "setInterval(() => {}, 1 << 30)"
const socketDir = path.join(process.env["TMUX_TMPDIR"] ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`)
const tmuxArgs = (socket: string, ...args: ReadonlyArray<string>) => ["-u", "-L", socket, ...args]

tmuxContract("real (tmux)", async () => {
  const socket = `rekindle-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "rekindle-tmux-"))
  const dir = path.join(root, HOSTILE_DIR)
  fs.mkdirSync(dir)
  const hung: Array<{ server: net.Server; file: string }> = []
  const tmux = await Effect.runPromise(TmuxCli.make({ socket }).pipe(Effect.provide(NodeServices.layer)))
  const killServer = async () => {
    try {
      execFileSync("tmux", tmuxArgs(socket, "kill-server"), { stdio: "ignore" })
    } catch {
      // no server: nothing to kill
    }
  }
  return {
    tmux,
    socket,
    dir,
    programs: {
      cat: ["cat"],
      exit: (code) => [node, "-e", `process.exit(${code})`],
      probe: (args) => [
        node,
        "-e",
        `console.log(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), env: process.env.REKINDLE_PROBE ?? null })); ${STAY}`,
        "--",
        ...args
      ],
      lines: (n) => [node, "-e", `for (let i = 1; i <= ${n}; i++) console.log("line-" + i); ${STAY}`],
      recorder: (file) => [
        node,
        "-e",
        [
          "const fs = require('node:fs')",
          "process.stdin.setRawMode(true)",
          "process.stdin.on('data', (d) => fs.appendFileSync(process.argv[1], d))",
          "console.log('ready')"
        ].join("; "),
        "--",
        file
      ]
    },
    killServer,
    crash: async (pid) => {
      process.kill(pid, "SIGKILL")
    },
    unreachable: async () => {
      // A socket that accepts connections and never answers: a hung server.
      fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 })
      const hungSocket = `${socket}-hung`
      const file = path.join(socketDir, hungSocket)
      const server = net.createServer(() => {})
      await new Promise<void>((r) => server.listen(file, r))
      hung.push({ server, file })
      return Effect.runPromise(
        TmuxCli.make({ socket: hungSocket, timeout: "1 second" }).pipe(Effect.provide(NodeServices.layer))
      )
    },
    readFile: async (file) => {
      try {
        return fs.readFileSync(file, "utf8")
      } catch {
        return ""
      }
    },
    statusOf: async (name) =>
      execFileSync("tmux", tmuxArgs(socket, "display-message", "-p", "-t", `=${name}:`, "#{T:status-right}"), {
        encoding: "utf8"
      }).replace(/\n$/, ""),
    openWindow: async (name, argv) =>
      execFileSync("tmux", tmuxArgs(socket, "new-window", "-P", "-F", "#{pane_id}", "-t", `=${name}:`, "--", ...argv), {
        encoding: "utf8"
      }).trim(),
    cleanup: async () => {
      await killServer()
      for (const h of hung) {
        h.server.close()
        fs.rmSync(h.file, { force: true })
      }
      fs.rmSync(path.join(socketDir, socket), { force: true })
      fs.rmSync(root, { recursive: true, force: true })
    }
  }
})
