/**
 * `rekindle demo`: a throwaway repo and six fake-agent tasks in three waves, run by a background
 * supervisor on a private tmux socket; in the middle of wave 2 the supervisor is killed with
 * SIGKILL (and one agent with it); `status` and `plan` of the crashed batch show reconnect /
 * re-execute / mark-complete with their reasons; `resume` finishes the batch; the final status and
 * the merged files are printed. Everything is cleaned up (sessions, temp dir) unless `--keep`.
 * Needs the real tmux and git (`rekindle doctor`).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Command, Flag } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { Reported } from "../Exit.ts"
import { withProgress } from "../shared/Progress.ts"
import { context, type Ctx } from "../Root.ts"
import { startSupervisor, supervisorLog } from "../shared/BackgroundSupervisor.ts"
import { runnerFor, type Runner } from "../shared/Target.ts"
import { renderPlan } from "../render/Plan.ts"
import { renderResume } from "../render/Reports.ts"
import { renderStatus } from "../render/Status.ts"
import { cleanUp, createDemo, DEMO_BATCH, git, initRepo, ROLES } from "../shared/DemoSetup.ts"

/** Wait (polling) until `check` holds, or fail after `ms`. */
const until = (what: string, ms: number, check: Effect.Effect<boolean, unknown>) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (!(yield* check.pipe(Effect.orElseSucceed(() => false)))) {
      if (Date.now() > deadline)
        return yield* Engine.fail(
          "E_IO",
          `demo: timed out waiting for ${what}`,
          "run `rekindle doctor`; keep the evidence with `rekindle demo --keep`"
        )
      yield* Effect.sleep(150)
    }
  })

const section = (ctx: Ctx, title: string) => say(ctx, ["", ctx.out.bold(`── ${title}`)])
const say = (ctx: Ctx, lines: ReadonlyArray<string>) =>
  ctx.json ? Console.error(lines.join("\n")) : Console.log(lines.join("\n"))

const story = (ctx: Ctx, run: Runner, repo: string, manifestPath: string, supervisor: { pid?: number }) =>
  Effect.gen(function* () {
    const ref = { repoRoot: repo, batchId: DEMO_BATCH }
    const state = run(Engine.loadState(ref))
    yield* section(ctx, `starting batch ${DEMO_BATCH}: 6 fake-agent tasks in 3 waves (private tmux socket)`)
    const started = yield* startSupervisor(
      { ...ctx, repo, socket: undefined },
      ["run", manifestPath, "--batch-id", DEMO_BATCH],
      supervisorLog(repo, DEMO_BATCH)
    )
    supervisor.pid = started.pid
    yield* say(ctx, [`supervisor pid ${started.pid} is running the batch`])
    yield* until(
      "wave 2",
      45_000,
      Effect.map(state, (s) =>
        [ROLES.alive, ROLES.finishes, ROLES.killed].every(
          (id) => s.tasks.find((t) => t.id === id)?.status === "running"
        )
      )
    )
    const crashed = yield* state
    const victim = crashed.tasks.find((t) => t.id === ROLES.killed)?.agentProcess?.pid
    yield* ctx.env.kill(started.pid, "SIGKILL")
    if (victim !== undefined) yield* ctx.env.kill(victim, "SIGKILL")
    yield* section(
      ctx,
      `CRASH: supervisor killed with SIGKILL in the middle of wave 2 (and the agent of ${ROLES.killed} with it)`
    )
    yield* until(
      `${ROLES.finishes} to finish on its own`,
      30_000,
      Effect.map(run(Engine.observe(crashed)), (s) => s.markers[ROLES.finishes]?.valid === true)
    )
    yield* section(ctx, "rekindle status (the crashed batch)")
    yield* say(ctx, renderStatus(ctx.out, yield* run(Engine.status(ref))))
    yield* section(ctx, "rekindle plan")
    const before = yield* run(Engine.plan(ref))
    yield* say(ctx, renderPlan(ctx.out, before, "live"))
    yield* section(ctx, "rekindle resume")
    const fast = Effect.provideService(Engine.ExecutorSettings, { pollMs: 250, graceMs: 2_000 })
    const resumed = yield* withProgress(
      ctx,
      run,
      batchPaths(repo, DEMO_BATCH).journal,
      "resume",
      run(Engine.resume(ref)).pipe(fast)
    )
    yield* say(ctx, renderResume(ctx.out, resumed))
    yield* section(ctx, "final status")
    yield* say(ctx, renderStatus(ctx.out, yield* run(Engine.status(ref))))
    const files = (yield* git(repo, "ls-tree", "-r", "--name-only", "main"))
      .trim()
      .split("\n")
      .filter((f) => f !== "")
    yield* section(ctx, "merged into main")
    yield* say(
      ctx,
      files.map((f) => `  ${f}`)
    )
    return {
      phase: resumed.state.phase,
      decisions: before.decisions.map((d) => ({ taskId: d.taskId, action: d.action, reason: d.reason })),
      files
    }
  })

/** The `demo` command. */
export const demo = Command.make(
  "demo",
  {
    keep: Flag.Boolean("keep").pipe(
      Flag.withDescription("Keep the temp repo and the tmux sessions for a look afterwards"),
      Flag.withDefault(false)
    )
  },
  Effect.fn("cli.demo")(function* ({ keep }) {
    const ctx = yield* context
    const world = yield* createDemo()
    const run = runnerFor(ctx, world.socket)
    const started: { pid?: number } = {}
    const result = yield* initRepo(world.repo).pipe(
      Effect.andThen(story(ctx, run, world.repo, world.manifestPath, started)),
      // However the demo ends (Ctrl-C, a timeout), its background supervisor must not outlive it.
      Effect.ensuring(
        Effect.suspend(() =>
          started.pid === undefined ? Effect.void : Effect.asVoid(ctx.env.kill(started.pid, "SIGKILL"))
        )
      ),
      Effect.ensuring(keep ? Effect.void : cleanUp(world.dir, world.socket, false))
    )
    if (keep)
      yield* say(ctx, [
        "",
        `kept: ${world.repo} (tmux -L ${world.socket}); remove with: tmux -L ${world.socket} kill-server; rm -r ${world.dir}`
      ])
    if (ctx.json)
      yield* Console.log(JSON.stringify({ batchId: DEMO_BATCH, ...result, kept: keep ? world.dir : null }, null, 2))
    if (result.phase !== "completed") return yield* new Reported({ exitCode: 1 })
  })
).pipe(
  Command.withShortDescription("A one-minute crash-and-resume demo"),
  Command.withDescription(
    "A one-minute demo on a throwaway repo: a batch of fake agents crashes in the middle of wave 2 (supervisor SIGKILLed), " +
      "`status` and `plan` show what rekindle decides, `resume` finishes it. Cleans up unless --keep."
  ),
  Command.withExamples([{ command: "npx rekindle demo", description: "right after `npm ci`" }])
)
