/**
 * The demo's world: a throwaway git repo and a manifest of six fake-agent tasks in three waves,
 * timed so that, when the supervisor is killed in the middle of wave 2, one agent is still working
 * (reconnect), one finishes during the outage (mark-complete) and one is killed with it
 * (re-execute). Programs run with argv arrays only.
 */
import * as Effect from "effect/Effect"
import * as nodeFs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import { fail } from "../../core/engine/support/Errors.ts"
import { exec } from "../../adapters/exec/Exec.ts"

/** The bundled fake agent (a stand-in for Claude Code & co.): source in a checkout, compiled when installed. */
const FAKE_AGENT = fileURLToPath(
  new URL(`../../adapters/agent/fake-agent.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url)
)

/** The demo batch id. */
export const DEMO_BATCH = "demo"

/** Tasks: the one left alive, the one that finishes while no supervisor runs, the one killed. */
export const ROLES = { alive: "build-ui", finishes: "migrate", killed: "seed" } as const

/** Git identity and config independent of the machine. */
const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "rekindle demo",
  GIT_AUTHOR_EMAIL: "demo@rekindle.invalid",
  GIT_COMMITTER_NAME: "rekindle demo",
  GIT_COMMITTER_EMAIL: "demo@rekindle.invalid"
}

/** Run git in `repo`; its stdout, or E_GIT_FAILED. */
export const git = (repo: string, ...args: ReadonlyArray<string>) =>
  exec("git", ["-C", repo, ...args], { env: GIT_ENV }).pipe(
    Effect.mapError((e) => fail("E_GIT_FAILED", e.message, "is git installed? (`rekindle doctor`)")),
    Effect.flatMap((r) =>
      r.exitCode === 0
        ? Effect.succeed(r.stdout)
        : Effect.fail(
            fail(
              "E_GIT_FAILED",
              `git ${args.join(" ")}: ${r.stderr.trim()}`,
              "is git 2.36 or newer installed? (`rekindle doctor`)"
            )
          )
    )
  )

/** The manifest (tasks run the fake agent through the `shell` kind). */
const demoManifest = (socket: string) => {
  const task = (id: string, prompt: string, dependsOn: ReadonlyArray<string> = []) => ({
    id,
    agent: "shell",
    prompt,
    command: [process.execPath, FAKE_AGENT],
    dependsOn
  })
  return {
    tasks: [
      task("setup-db", "create the database schema [steps:2] [sleep:0.3]"),
      task("setup-api", "scaffold the API [steps:2] [sleep:0.3]"),
      task(ROLES.alive, "build the UI [steps:24] [sleep:0.5]", ["setup-api"]),
      task(ROLES.finishes, "write the migrations [steps:6] [sleep:0.5]", ["setup-db"]),
      task(ROLES.killed, "seed the data [steps:10] [sleep:0.5]", ["setup-db"]),
      task("docs", "document it all [steps:2] [sleep:0.3]", [ROLES.alive, ROLES.finishes, ROLES.killed])
    ],
    options: { batchId: DEMO_BATCH, tmuxSocket: socket, maxLanes: 3 }
  }
}

/** Create the temp dir, the repo (one commit on main) and the manifest. */
// biome-ignore lint/correctness/useYield: Effect.fn takes a generator; this one only builds files synchronously
export const createDemo = Effect.fn("Demo.create")(function* () {
  const dir = nodeFs.realpathSync(nodeFs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-demo-")))
  const repo = nodePath.join(dir, "repo")
  nodeFs.mkdirSync(repo)
  const socket = `rekindle-demo-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const manifestPath = nodePath.join(dir, "manifest.json")
  nodeFs.writeFileSync(manifestPath, `${JSON.stringify(demoManifest(socket), null, 2)}\n`)
  nodeFs.writeFileSync(nodePath.join(repo, "README.md"), "# rekindle demo\n")
  return { dir, repo, socket, manifestPath }
})

/** `git init` + first commit. */
export const initRepo = (repo: string) =>
  Effect.gen(function* () {
    yield* git(repo, "init", "-q", "-b", "main")
    yield* git(repo, "add", "-A")
    yield* git(repo, "commit", "-q", "-m", "demo: initial commit")
  })

/** Stop the demo's private tmux server and remove its socket, and the temp dir unless `keep`. */
export const cleanUp = (dir: string, socket: string, keep: boolean) =>
  Effect.gen(function* () {
    yield* exec("tmux", ["-L", socket, "kill-server"]).pipe(Effect.ignore)
    // tmux leaves its socket file behind.
    const socketFile = nodePath.join(process.env["TMUX_TMPDIR"] ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket)
    yield* Effect.sync(() => nodeFs.rmSync(socketFile, { force: true }))
    if (!keep) yield* Effect.sync(() => nodeFs.rmSync(dir, { recursive: true, force: true }))
  })
