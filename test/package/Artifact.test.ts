/**
 * The package as a user meets it: `npm pack` (prepack builds dist/, in a staged copy of the
 * checkout so concurrent runs never share a dist/), install the tarball with its
 * peer dependencies into a temp project (offline, from the npm cache), then from that project
 * (a) import every subpath from an ESM file and call a pure function of each; closed paths stay closed;
 * (b) run the Promise facade against a real git repo holding a crashed taskplane-style batch whose
 *     lane sessions live on a private tmux socket (killed afterwards);
 * (c) `npx rekindle --help` and `npx rekindle doctor --json` (once the CLI exists);
 * (d) typecheck the ts blocks of README.md and docs/*.md and a consumer file against the installed types.
 * Every program runs with argv arrays, never a shell. Slow by nature (pack + install): one
 * install is shared by the four checks, and the durations are printed.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { docBlocks, toDocLines, writeBlocks } from "../docs/blocks.ts"
import { git, GIT_ENV, makeRepo, type RealRepo } from "../support/real/repo.ts"
import { freshSocket, killServer, sessionNames, tmux } from "../support/real/socket.ts"
import { SURFACE } from "./surface.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const FIXTURE = nodePath.join(ROOT, "test/fixtures/taskplane")
const BATCH = "20260115T143000"

/** The child environment: Node 24 first on PATH, git independent of the machine, and none of a parent npm's lifecycle settings (a nested `npm install` must act on its own directory only). */
const childEnv = (): NodeJS.ProcessEnv => {
  const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"])
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase()))
  )
  return {
    ...env,
    ...GIT_ENV,
    PATH: `${nodePath.dirname(process.execPath)}:${process.env["PATH"] ?? ""}`,
    npm_config_update_notifier: "false",
    npm_config_fund: "false"
  }
}

interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run a program (argv, no shell) and return its outcome. */
const run = (cwd: string, command: string, args: ReadonlyArray<string>, timeout = 240_000): Ran => {
  const r = spawnSync(command, args, { cwd, env: childEnv(), encoding: "utf8", timeout, maxBuffer: 32 * 1024 * 1024 })
  return {
    status: r.status,
    stdout: r.stdout ?? "",
    stderr: `${r.stderr ?? ""}${r.error === undefined ? "" : String(r.error)}`
  }
}

/** Run and require exit 0; the failure message carries the output. */
const ok = (cwd: string, command: string, args: ReadonlyArray<string>, timeout?: number): string => {
  const r = run(cwd, command, args, timeout)
  expect(r.status, `${command} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`).toBe(0)
  return r.stdout
}

const installedVersion = (name: string): string =>
  (
    JSON.parse(fs.readFileSync(nodePath.join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
      readonly version: string
    }
  ).version

const timings: Array<string> = []
const timed = <A>(label: string, f: () => A): A => {
  const t0 = Date.now()
  try {
    return f()
  } finally {
    timings.push(`${label} ${((Date.now() - t0) / 1000).toFixed(1)}s`)
  }
}

let work = ""
let app = ""
const sockets: Array<string> = []
const repos: Array<RealRepo> = []

beforeAll(() => {
  work = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-artifact-")))
  // Pack a staged copy of what the package is built from, so prepack's build never races another
  // run over this checkout's dist/ (the staging dir borrows node_modules through a symlink).
  const stage = nodePath.join(work, "stage")
  const pkg = JSON.parse(fs.readFileSync(nodePath.join(ROOT, "package.json"), "utf8")) as {
    readonly files: ReadonlyArray<string>
  }
  const build = JSON.parse(fs.readFileSync(nodePath.join(ROOT, "tsconfig.build.json"), "utf8")) as {
    readonly include: ReadonlyArray<string>
  }
  for (const entry of new Set([
    "package.json",
    "README.md",
    "LICENSE",
    "tsconfig.json",
    "tsconfig.build.json",
    ...build.include,
    ...pkg.files
  ])) {
    if (entry !== "dist" && fs.existsSync(nodePath.join(ROOT, entry)))
      fs.cpSync(nodePath.join(ROOT, entry), nodePath.join(stage, entry), { recursive: true })
  }
  fs.symlinkSync(nodePath.join(ROOT, "node_modules"), nodePath.join(stage, "node_modules"))
  timed("npm pack (build included)", () => ok(stage, "npm", ["pack", "--pack-destination", work]))
  const tarball = fs.readdirSync(work).find((f) => f.endsWith(".tgz"))
  expect(tarball, "npm pack wrote no tarball").toBeDefined()
  app = nodePath.join(work, "app")
  fs.mkdirSync(app)
  // Pinned to what this repo installed, so the offline install finds every package in the npm cache.
  fs.writeFileSync(
    nodePath.join(app, "package.json"),
    JSON.stringify(
      {
        name: "rekindle-consumer",
        private: true,
        type: "module",
        dependencies: {
          rekindle: `file:../${tarball}`,
          effect: installedVersion("effect"),
          "fast-check": installedVersion("fast-check")
        },
        devDependencies: { "@types/node": installedVersion("@types/node") }
      },
      null,
      2
    )
  )
  // Offline from the npm cache `npm ci` filled; a machine with a partial cache may fetch what is missing.
  // A cache filled by `npm ci` alone holds the tarballs but not every package document: offline, npm
  // then reports ENOTCACHED or, for a peer dependency, ERESOLVE ("Found: effect@undefined").
  timed("npm install", () => {
    const offline = run(app, "npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"])
    if (offline.status !== 0 && /ENOTCACHED|ERESOLVE/.test(offline.stderr))
      ok(app, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"])
    else expect(offline.status, `npm install --offline failed:\n${offline.stdout}\n${offline.stderr}`).toBe(0)
  })
  for (const f of fs.readdirSync(nodePath.join(import.meta.dirname, "consumer"))) {
    fs.copyFileSync(nodePath.join(import.meta.dirname, "consumer", f), nodePath.join(app, f))
  }
}, 300_000)

afterAll(() => {
  for (const s of sockets) killServer(s)
  for (const r of repos) r.cleanup()
  if (work !== "") fs.rmSync(work, { recursive: true, force: true })
  console.log(`artifact test: ${timings.join(", ")}`)
})

describe("the packed package, installed in a temp project", () => {
  it("(a) every subpath imports from ESM with exactly the listed names; pure calls work; other paths are closed", () => {
    const out = JSON.parse(timed("(a) imports", () => ok(app, process.execPath, ["check.mjs"]))) as {
      readonly names: Readonly<Record<string, ReadonlyArray<string>>>
      readonly calls: Readonly<Record<string, unknown>>
      readonly closed: Readonly<Record<string, string>>
    }
    for (const [sub, names] of Object.entries(SURFACE)) expect(out.names[sub], sub).toEqual([...names].sort())
    expect(out.calls).toEqual({
      sessionName: "rk-20260115T143000-TP-004",
      waves: [["a"], ["b"]],
      marker: { valid: true, status: "failed", summary: "tests red" },
      oneDecisionPerTask: true,
      layerBuilt: "object",
      fakeWorldClock: "number",
      oneSchemaIdentity: true,
      requireCore: "function"
    })
    expect(Object.values(out.closed)).toEqual(Array(5).fill("ERR_PACKAGE_PATH_NOT_EXPORTED"))
    // What ships: built JS, declarations and maps, the bin shim; no sources, tests or fixtures.
    const pkgDir = nodePath.join(app, "node_modules/rekindle")
    const shipped = (fs.readdirSync(pkgDir, { recursive: true }) as Array<string>).filter((f) =>
      fs.statSync(nodePath.join(pkgDir, f)).isFile()
    )
    expect(
      shipped.filter(
        (f) => f.startsWith("test") || f.includes("fixtures") || f.startsWith("core") || f.startsWith("adapters")
      )
    ).toEqual([])
    expect(shipped).toEqual(
      expect.arrayContaining([
        "package.json",
        "bin/rekindle.js",
        "dist/cli/main.js",
        "dist/exports/index.d.ts",
        "dist/exports/index.js.map"
      ])
    )
    // Source maps ship with their sources (inlined), or not at all: none points at a .ts that is not there.
    expect(shipped.filter((f) => f.endsWith(".d.ts.map"))).toEqual([])
    for (const f of shipped.filter((x) => x.endsWith(".js.map"))) {
      const map = JSON.parse(fs.readFileSync(nodePath.join(pkgDir, f), "utf8")) as {
        readonly sources: ReadonlyArray<string>
        readonly sourcesContent?: ReadonlyArray<string | null>
      }
      expect(map.sourcesContent?.length, f).toBe(map.sources.length)
      expect(
        map.sourcesContent?.every((c) => typeof c === "string"),
        f
      ).toBe(true)
    }
  }, 60_000)

  it("(b) the Promise facade on a real repo and a private tmux socket: import, plan, observe, status, repair, errors, abort", () => {
    const repo = makeRepo()
    repos.push(repo)
    const socket = freshSocket()
    sockets.push(socket)
    const root = repo.root
    // A crashed taskplane batch: its state and task folders, both lane worktrees, live lane sessions.
    for (const rel of fs.readdirSync(FIXTURE, { recursive: true }) as Array<string>) {
      const from = nodePath.join(FIXTURE, rel)
      if (fs.statSync(from).isDirectory()) continue
      fs.mkdirSync(nodePath.dirname(nodePath.join(root, rel)), { recursive: true })
      fs.writeFileSync(nodePath.join(root, rel), fs.readFileSync(from, "utf8").replaceAll("/home/dev/app", root))
    }
    fs.appendFileSync(nodePath.join(root, ".git/info/exclude"), "/.pi/\n/.worktrees/\n/taskplane-tasks/\n")
    const lane = (n: number) => nodePath.join(root, `.worktrees/lane-${n}`)
    for (const n of [1, 2]) {
      git(root, "worktree", "add", "-q", "-b", `task/lane-${n}-${BATCH}`, lane(n), "main")
      expect(tmux(socket, "new-session", "-d", "-s", `orch-lane-${n}`, "-c", lane(n), "sleep", "600").status).toBe(0)
    }
    fs.mkdirSync(nodePath.join(lane(2), "taskplane-tasks/TP-005-audit-log"), { recursive: true })
    fs.writeFileSync(nodePath.join(lane(2), "taskplane-tasks/TP-005-audit-log/.DONE"), "audit log in place\n")

    const out = JSON.parse(
      timed("(b) facade", () => ok(app, process.execPath, ["facade.mjs", root, socket], 120_000))
    ) as Record<string, unknown>
    expect(out["imported"]).toEqual({ saved: `${root}/.rekindle/${BATCH}/state.json`, tasks: 7 })
    expect(out["plan"]).toMatchObject({
      eligibility: "Eligible",
      decisions: [
        ["TP-001", "skip"],
        ["TP-002", "skip"],
        ["TP-003", "skip"],
        ["TP-004", "reconnect"],
        ["TP-005", "mark-complete"],
        ["TP-006", "pending"],
        ["TP-007", "pending"]
      ],
      resumeWave: 1
    })
    expect(out["observe"]).toEqual({ tmux: "up", sessions: ["orch-lane-1", "orch-lane-2"] })
    expect(out["status"]).toContainEqual(["TP-004", "running", "alive"])
    expect(out["repair"]).toEqual({ dryRun: true, removals: 0 })
    expect(out["restartUnknown"]).toEqual({ rekindleError: true, code: "E_TASK_NOT_FOUND", hint: "string" })
    expect(out["abort"]).toEqual({ batchId: BATCH, stopped: ["TP-004", "TP-005"], hard: true })
    expect(out["resumeStopped"]).toEqual({ rekindleError: true, code: "E_NOT_RESUMABLE", hint: "string" })
    // abort stopped the lane sessions on the private socket; the worktrees and the state are kept.
    expect(sessionNames(socket)).toEqual([])
    expect(fs.existsSync(lane(1))).toBe(true)
  }, 150_000)

  // The bin must be the JS shim: Node does not strip types under node_modules, and npm always packs
  // the bin target. While package.json still names a .ts file, this test is pinned with it.fails.
  const bin = (
    JSON.parse(fs.readFileSync(nodePath.join(ROOT, "package.json"), "utf8")) as {
      readonly bin?: Readonly<Record<string, string>>
    }
  ).bin?.["rekindle"]
  const binPinned = bin?.endsWith(".ts") === true
  const binTest = !fs.existsSync(nodePath.join(ROOT, "cli/main.ts")) ? it.skip : binPinned ? it.fails : it
  binTest(
    `(c) npx rekindle --help and doctor --json run the built CLI from the installed package${binPinned ? ` — PINNED: "bin" is ${bin}, it must be "./bin/rekindle.js"` : ""}`,
    () => {
      expect(bin, `package.json needs "bin": { "rekindle": "./bin/rekindle.js" }`).toBeDefined()
      expect(
        binPinned,
        `"bin" points at ${bin}: Node does not run TypeScript under node_modules; it must be "./bin/rekindle.js" (runs dist/cli/main.js when installed, cli/main.ts in a checkout)`
      ).toBe(false)
      const pkgDir = nodePath.join(app, "node_modules/rekindle")
      const shipped = (fs.readdirSync(pkgDir, { recursive: true }) as Array<string>).filter(
        (f) => f.endsWith(".ts") && !f.endsWith(".d.ts")
      )
      expect(shipped, "TypeScript sources shipped (npm always packs the bin target)").toEqual([])
      const help = timed("(c) npx --help", () => ok(app, "npx", ["--offline", "rekindle", "--help"]))
      expect(help).toContain("rekindle")
      expect(help).toContain("doctor")
      const socket = freshSocket()
      sockets.push(socket)
      const doctor = timed("(c) npx doctor", () =>
        run(app, "npx", ["--offline", "rekindle", "doctor", "--json", "--socket", socket])
      )
      const report = JSON.parse(doctor.stdout) as {
        readonly ok: boolean
        readonly checks: ReadonlyArray<{ readonly name: string; readonly status: string }>
      }
      expect(
        report.checks.filter((c) => c.name === "tmux" || c.name === "git").map((c) => c.status),
        doctor.stderr
      ).toEqual(["ok", "ok"])
      expect(doctor.status).toBe(report.ok ? 0 : 1)
    },
    120_000
  )

  it("(d) the ts blocks of README.md and docs/*.md and a consumer file typecheck against the installed declarations", () => {
    const blocks = docBlocks(ROOT)
    const files = writeBlocks(app, blocks)
    fs.writeFileSync(
      nodePath.join(app, "consumer.ts"),
      [
        `import type * as Layer from "effect/Layer"`,
        `import { layer, type LiveServices } from "rekindle/node"`,
        `import { reconcile, type BatchState, type Signals, type TaskDecision } from "rekindle/core"`,
        `export const live: Layer.Layer<LiveServices, unknown> = layer({ socket: "rekindle-test-types" })`,
        `export const decide = (s: BatchState, x: Signals): ReadonlyArray<TaskDecision> => reconcile(s, x)`,
        ""
      ].join("\n")
    )
    // A user's strict settings, without the repo's .ts-extension allowances; DOM for effect's crypto types.
    fs.writeFileSync(
      nodePath.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          lib: ["ES2023", "DOM"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          types: ["node"],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: false
        },
        include: [...files, "consumer.ts"]
      })
    )
    const tsc = timed("(d) tsc", () => run(app, nodePath.join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"]))
    expect(toDocLines(`${tsc.stdout}${tsc.stderr}`, blocks).trim()).toBe("")
    expect(tsc.status).toBe(0)
  }, 120_000)
})
