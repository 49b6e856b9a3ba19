/**
 * `rekindle doctor`: can rekindle work here? tmux and git versions, the tmux socket, the repo and its
 * state directory, agents on PATH, transcript directories. `warn` rows do not fail it; a `fail` row
 * makes it exit 1 (after printing the whole report).
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { Command } from "effect/cli"
import { stateRoot } from "../../core/domain/Layout.ts"
import { AgentLauncher } from "../../core/ports/AgentLauncher.ts"
import { Tmux } from "../../core/ports/Tmux.ts"
import { Reported } from "../Exit.ts"
import { context, emit, type Ctx } from "../Root.ts"
import { repoRootOf, runnerFor, target } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderDoctor } from "../render/Reports.ts"
import { DoctorOutput, type DoctorCheck } from "../render/Shapes.ts"
import { MIN_GIT, MIN_TMUX, transcriptDirs, versionCheck } from "../shared/DoctorChecks.ts"

const version = (ctx: Ctx, program: string, args: ReadonlyArray<string>) =>
  Effect.map(ctx.env.probe(program, args), (r) =>
    r === undefined || r.exitCode !== 0 ? undefined : r.stdout || r.stderr
  )

/** Checks that need the engine services (socket, state dir, agent table). */
const engineChecks = (ctx: Ctx, socket: string | undefined, repoRoot: string | undefined) =>
  Effect.gen(function* () {
    const out: Array<DoctorCheck> = []
    const snap = yield* (yield* Tmux).snapshot
    const label = `tmux socket ${socket ?? "default"}`
    out.push(
      snap.state === "up"
        ? { name: label, status: "ok", detail: `server up, ${snap.panes.length} pane(s)` }
        : snap.state === "no-server"
          ? { name: label, status: "ok", detail: "no server running (one is started on first launch)" }
          : { name: label, status: "fail", detail: `unreachable: ${snap.reason}` }
    )
    const fs = yield* FileSystem.FileSystem
    if (repoRoot !== undefined) {
      const dir = stateRoot(repoRoot)
      const exists = yield* fs.exists(dir).pipe(Effect.orElseSucceed(() => false))
      const probe = exists ? dir : repoRoot
      const writable = yield* fs.access(probe, { writable: true }).pipe(
        Effect.as(true),
        Effect.orElseSucceed(() => false)
      )
      out.push({
        name: "state dir",
        status: writable ? "ok" : "fail",
        detail: `${dir}${exists ? "" : " (created on first run)"}${writable ? " is writable" : ": not writable"}`
      })
    }
    const launcher = yield* AgentLauncher
    for (const k of launcher.kinds) {
      if (k.executable === undefined) continue
      const found = yield* ctx.env.which(k.executable)
      out.push(
        found === undefined
          ? {
              name: `agent ${k.name}`,
              status: "warn",
              detail: `${k.executable} not on PATH (needed only by tasks using it)`
            }
          : { name: `agent ${k.name}`, status: "ok", detail: found }
      )
    }
    for (const { agent, dir } of transcriptDirs(launcher.kinds, ctx.env.env)) {
      const there = yield* fs.exists(dir).pipe(Effect.orElseSucceed(() => false))
      out.push(
        there
          ? { name: `transcripts ${agent}`, status: "ok", detail: dir }
          : {
              name: `transcripts ${agent}`,
              status: "warn",
              detail: `${dir} missing (conversations cannot be resumed until ${agent} creates it)`
            }
      )
    }
    return out
  })

/** The `doctor` command. */
export const doctor = Command.make(
  "doctor",
  {},
  Effect.fn("cli.doctor")(function* () {
    const ctx = yield* context
    const checks: Array<DoctorCheck> = [
      versionCheck("tmux", yield* version(ctx, "tmux", ["-V"]), MIN_TMUX, "pane options carry the ownership tag"),
      versionCheck("git", yield* version(ctx, "git", ["--version"]), MIN_GIT, "`git worktree list --porcelain -z`")
    ]
    const repo = yield* repoRootOf(ctx).pipe(Effect.option)
    const repoRoot = repo._tag === "Some" ? repo.value : undefined
    checks.push(
      repoRoot === undefined
        ? {
            name: "repo",
            status: "warn",
            detail: `${ctx.repo ?? ctx.env.cwd} is not inside a git repository (pass --repo)`
          }
        : { name: "repo", status: "ok", detail: repoRoot }
    )
    const batch = repoRoot === undefined ? undefined : yield* target(ctx, undefined).pipe(Effect.option)
    const socket = ctx.socket ?? (batch?._tag === "Some" ? batch.value.socket : undefined)
    checks.push(...(yield* runnerFor(ctx, socket)(engineChecks(ctx, socket, repoRoot))))
    const report = { ok: checks.every((c) => c.status !== "fail"), checks }
    yield* emit(
      ctx,
      () => jsonDocument(DoctorOutput, report),
      () => renderDoctor(ctx.out, report)
    )
    if (!report.ok) return yield* new Reported({ exitCode: 1 })
  })
).pipe(
  Command.withShortDescription("Check tmux, git, the socket, the state dir, agents"),
  Command.withDescription(
    "Check tmux and git versions, the tmux socket, the state directory, agents on PATH and transcript directories."
  ),
  Command.withExamples([
    { command: "rekindle doctor --json", description: "the checks as JSON (`rekindle schema doctor`)" }
  ])
)
