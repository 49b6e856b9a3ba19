/**
 * `node scripts/bench/real-claude.ts [N] [relaunchConcurrency]` — how long after a reboot until N real Claude Code agents talk to the model
 * again: `rekindle resume` (CLI start, lease, observe, plan, journaled relaunches) against the floor, the same N
 * conversations restored by hand (`claude --resume <id> -- <turn>` spawned straight into tmux). One run, one world:
 * N tasks reach the model and are held mid-turn, everything is killed, the floor is timed on a second private tmux
 * server (then killed), then `rekindle resume` is timed. The time of an agent is that of its first request at the
 * local model server. Never part of `npm test`; results go to docs/performance.md by hand.
 */
import { spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import { machine } from "../../test/support/machine.ts"
import type { Turn } from "../../test/support/model-servers/anthropic.ts"
import {
  CONTINUATION_PROMPT,
  claudeScript,
  claudeTask,
  continuationTurns,
  requestsOf,
  withClaude
} from "../../test/support/real-agents/claude.ts"
import { AgentWorld, alive, waitFor } from "../../test/support/real-agents/world.ts"

const n = Number(process.argv[2] ?? 8)
/** `options.relaunchConcurrency` of the batch (default 1: one relaunch after another). */
const concurrency = Number(process.argv[3] ?? 1)
const say = (line: string) => process.stdout.write(`${line}\n`)
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const main = async () => {
  const env = machine()
  say(
    `real-claude bench — ${env.cpu} × ${env.cores}, Node ${env.node}, ${env.tmux}; N=${n}, relaunchConcurrency=${concurrency}`
  )
  const w = new AgentWorld("bench")
  let phase: "first" | "floor" | "rekindle" = "first"
  const held = new Set<string>()
  try {
    const server = await withClaude(
      w,
      claudeScript((id, r) => {
        if (phase === "rekindle" && continuationTurns(r) > 0) return undefined
        if (phase === "first") held.add(id)
        return new Promise<Turn>(() => {})
      })
    )
    const ids = Array.from({ length: n }, (_, i) => `b${i + 1}`)
    const { batchId, pid } = await w.runDetached(
      w.manifest("bench.json", ids.map(claudeTask), { maxLanes: n, relaunchConcurrency: concurrency }),
      600_000
    )
    await waitFor(`all ${n} mid-turn`, () => (ids.every((id) => held.has(id)) ? true : undefined), 600_000)
    const kill = async () => {
      const agents = w.panes().map((p) => p.pid)
      await w.killSupervisor(batchId, pid).catch(() => 0)
      for (const p of agents) if (alive(p)) process.kill(p, "SIGKILL")
      w.killServer()
      await waitFor("agents gone", () => (agents.some(alive) ? undefined : true), 30_000)
    }
    await kill()

    const firstAfter = (t0: number) =>
      ids.map((id) => {
        const r = requestsOf(server.main(), id).find((x) => x.at >= t0 && continuationTurns(x) > 0)
        return r === undefined ? Number.NaN : r.at - t0
      })
    const allArrived = (t0: number) => () => (firstAfter(t0).every((x) => !Number.isNaN(x)) ? true : undefined)

    // The floor: the same conversations, restored by hand on a second private server.
    phase = "floor"
    const floorSocket = `rekindle-test-bench-${crypto.randomBytes(4).toString("hex")}`
    const childEnv = w.childEnv()
    const t1 = Date.now()
    for (const id of ids) {
      const t = w.stateTask(batchId, id)
      spawnSync(
        "tmux",
        ["-L", floorSocket, "new-session", "-d", "-s", id, "-c", String(t["worktree"]), "--", "claude"].concat([
          "--resume",
          String(t["conversationId"]),
          "--",
          CONTINUATION_PROMPT
        ]),
        { env: childEnv }
      )
    }
    await waitFor("floor: every agent's first request", allArrived(t1), 300_000, 20)
    const floor = firstAfter(t1)
    spawnSync("tmux", ["-L", floorSocket, "kill-server"])
    await new Promise((r) => setTimeout(r, 2_000))

    // rekindle resume, from the CLI's start.
    phase = "rekindle"
    const t2 = Date.now()
    const resumed = w.cli(["resume"], 600_000)
    await waitFor("rekindle: every agent's first request", allArrived(t2), 300_000, 20)
    const rk = firstAfter(t2)
    const r = await resumed
    say(`resume exit ${r.code}`)
    say("task  floor ms  rekindle ms")
    ids.forEach((id, i) => say(`${id.padEnd(5)} ${String(floor[i]).padStart(8)}  ${String(rk[i]).padStart(11)}`))
    const mf = median(floor)
    const mr = median(rk)
    say(
      `median: floor ${mf} ms, rekindle ${mr} ms, ratio ${(mr / mf).toFixed(2)}×; last: floor ${Math.max(...floor)} ms, rekindle ${Math.max(...rk)} ms, ratio ${(Math.max(...rk) / Math.max(...floor)).toFixed(2)}×`
    )
    await server.close()
  } finally {
    w.cleanup()
  }
}

void main().catch((e: unknown) => {
  console.error(e)
  process.exitCode = 1
})
