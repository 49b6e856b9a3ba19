/**
 * Scenarios (b), (c) and (d) of docs/agents.md for the agents served by the local OpenAI server (Codex, OpenCode, pi),
 * written once: each agent's file supplies how to configure the CLI in a world, how a task of it is written in the
 * manifest, and how its conversation record is damaged for (d). One world (HOME, repo, tmux socket) and one server
 * serve every scenario of a file, each in its own batch: a CLI's first start (OpenCode installs its plugin) is paid once.
 * Assertions are on the world: the requests the model server received, refs and files, panes, processes, the state.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import {
  type ModelReply,
  type ModelTurn,
  offersShell,
  type OpenAiServer,
  startOpenAiServer
} from "../support/model-servers/openai.ts"
import { AgentWorld, alive, skipRealAgents, waitFor } from "../support/real-agents/world.ts"
import {
  CONTINUATION_PROMPT,
  commandsIn,
  commit,
  continuationTurns,
  HANDOFF_NOTE,
  holdUntil,
  MARK,
  requestsOf,
  scriptedAgent,
  taskOf,
  taskPrompt,
  userTurnsWith
} from "./scripted-agent.ts"

/** How long a launched agent may take to reach its held turn: OpenCode starts in ~1 min on a loaded 2-core machine. */
const MID_TURN_MS = 300_000
/** How long a `resume` may supervise its relaunched agents to the end of the batch. */
const RESUME_MS = 420_000

/** What a file says about its agent. */
export interface OpenAiAgent {
  readonly label: string
  /** Write the CLI's own config in `w.home`, pointing it at `baseUrl`; set the env it needs. */
  readonly configure: (w: AgentWorld, baseUrl: string) => void
  /** The manifest task for `id` (agent kind, per-task args and env). */
  readonly task: (id: string, prompt: string) => Record<string, unknown>
}

/** The one file matching `pattern` under `root` (an agent's record of one conversation); throws otherwise. */
export const onlyFile = (root: string, pattern: string): string => {
  const found = fs.globSync(pattern, { cwd: root })
  if (found.length !== 1) throw new Error(`expected one ${pattern} under ${root}, found ${found.length}`)
  return path.join(root, found[0]!)
}

/** A world and a server whose script each scenario replaces. */
export interface Harness {
  readonly w: AgentWorld
  readonly server: OpenAiServer
  readonly agent: OpenAiAgent
  script: (turn: ModelTurn) => ModelReply
}

export const startHarness = async (agent: OpenAiAgent): Promise<Harness> => {
  const w = new AgentWorld(agent.label)
  const harness: Harness = { w, agent, server: undefined as unknown as OpenAiServer, script: scriptedAgent() }
  const server = await startOpenAiServer({ script: (turn) => harness.script(turn) })
  agent.configure(w, server.baseUrl)
  return Object.assign(harness, { server })
}

export const stopHarness = async (h: Harness | undefined): Promise<void> => {
  h?.w.cleanup()
  await h?.server.close()
}

/** After a failed scenario: its supervisors and agents must not run into the next one in the same world. */
const stopEverything = (h: Harness) => {
  const batches = fs.existsSync(path.join(h.w.repo, ".rekindle"))
    ? fs.readdirSync(path.join(h.w.repo, ".rekindle"))
    : []
  for (const batchId of batches) {
    const pid = h.w.leasePid(batchId)
    if (pid !== undefined && alive(pid)) process.kill(pid, "SIGKILL")
  }
  for (const pane of h.w.panes()) if (alive(pane.pid)) process.kill(pane.pid, "SIGKILL")
  h.w.killServer()
}

/** Run a scenario; print the world on failure and stop what it left running. */
export const scenario = async (h: Harness, name: string, body: () => Promise<void>): Promise<void> => {
  try {
    await body()
  } catch (e) {
    console.error(
      `\n===== real-agent world at failure (${h.agent.label} ${name}) =====\n${h.w.diag()}\n===== end =====\n`
    )
    stopEverything(h)
    throw e
  }
}

/**
 * The suite of one agent: one world and one server for every scenario, run in order; each scenario's failure prints the
 * world and stops what it left running. Skipped (and said so) when the real-agent suite is.
 */
/** The model's one extra shell call in (e) (a scripted tool call: the agent runs it, no shell of ours). */
const SECOND_COMMAND = "echo second"

export const crashSuite = (
  agent: OpenAiAgent,
  title: string,
  timeoutMs: number,
  scenarios: ReadonlyArray<readonly [name: string, body: (h: Harness) => Promise<void>, skip?: boolean]>
): void => {
  describe.skipIf(skipRealAgents(agent.label))(title, () => {
    let h: Harness | undefined
    beforeAll(async () => {
      h = await startHarness(agent)
    }, 180_000)
    afterAll(() => stopHarness(h))
    for (const [name, body, skip] of scenarios)
      test.skipIf(skip === true)(name, () => scenario(h!, name, () => body(h!)), timeoutMs)
  })
}

const manifestTasks = (h: Harness, ids: ReadonlyArray<string>) => ids.map((id) => h.agent.task(id, taskPrompt(id)))

/** Every task's file on main and every task succeeded. */
const expectMerged = (h: Harness, batchId: string, ids: ReadonlyArray<string>) => {
  const files = h.w.filesOn("main")
  for (const id of ids) {
    expect(files, `${id}.txt merged into main`).toContain(`${id}.txt`)
    expect(h.w.stateTask(batchId, id)["status"], `${id} succeeded`).toBe("succeeded")
  }
}

const launches = (h: Harness, batchId: string, id: string) =>
  (h.w.stateTask(batchId, id)["history"] as Array<{ event: string }>)
    .map((e) => e.event)
    .filter((e) => e.startsWith("launch:"))

/** Wait until the task's conversation id is learned (a resume decides on it) and return it. */
const learned = (h: Harness, batchId: string, id: string) =>
  waitFor(
    `${id}'s conversation id learned`,
    () => {
      const c = h.w.stateTask(batchId, id)["conversationId"]
      return typeof c === "string" ? c : undefined
    },
    60_000
  )

/** Kill the tmux server (every agent with it) and the supervisor; wait until the agents are gone. */
const killEverything = async (h: Harness, batchId: string, pid: number, ids: ReadonlyArray<string>) => {
  const agents = ids.map((id) => h.w.taskPane(batchId, id)?.pid)
  h.w.killServer()
  await h.w.killSupervisor(batchId, pid).catch(() => 0)
  await waitFor(
    "the agents died with their server",
    () => (agents.some((p) => p !== undefined && alive(p)) ? undefined : true),
    15_000
  )
}

/**
 * (a) fresh launch in a new task worktree: `rekindle run` to the end; the model saw the prompt once (one conversation
 * start, the prompt in one user turn of every request), the agent's tool call committed and wrote the done marker, the
 * task is merged; returns the conversation id rekindle learned, for the file to check against the agent's own record.
 */
export const freshLaunch = async (h: Harness, id: string): Promise<string> => {
  h.script = scriptedAgent()
  const batchId = `fresh-${id}`
  const r = await h.w.cli(["run", h.w.manifest(`${id}.json`, manifestTasks(h, [id]), { batchId })], RESUME_MS)
  expect(r.code, `run exits 0\n${r.stderr}`).toBe(0)
  const mine = requestsOf(h.server.turns(), id)
  expect(
    mine.filter((t) => commandsIn(t).length === 0),
    "one conversation start"
  ).toHaveLength(1)
  for (const t of mine) expect(userTurnsWith(t, `TASK=${id}`), "the prompt, once").toBe(1)
  expectMerged(h, batchId, [id])
  const conversation = h.w.stateTask(batchId, id)["conversationId"]
  expect(typeof conversation, "a conversation id learned").toBe("string")
  return String(conversation)
}

/**
 * Kill everything mid-task (`damage` then runs while nothing does), run `resume` to the end of the batch, check every
 * task merged; returns the requests each task's agent made after the kill.
 */
const killAndResume = async (
  h: Harness,
  run: { readonly batchId: string; readonly pid: number },
  ids: ReadonlyArray<string>,
  damage: () => Promise<void> = async () => {}
): Promise<ReadonlyMap<string, Array<ModelTurn>>> => {
  const before = h.server.turns().length
  await killEverything(h, run.batchId, run.pid, ids)
  await damage()
  const r = await h.w.cli(["resume", run.batchId], RESUME_MS)
  expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)
  expectMerged(h, run.batchId, ids)
  return new Map(ids.map((id) => [id, requestsOf(h.server.turns().slice(before), id)]))
}

/** (b) supervisor SIGKILLed mid-turn: resume reconnects; the same agent finishes; no relaunch, no second prompt. */
export const supervisorKilled = async (h: Harness, id: string): Promise<void> => {
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  let holding = false
  h.script = scriptedAgent((task) => {
    if (task !== id) return undefined
    holding = true
    return gate
  })
  const { batchId, pid } = await h.w.runDetached(h.w.manifest(`${id}.json`, manifestTasks(h, [id])))
  await waitFor(`${id} mid-turn`, () => (holding ? true : undefined), MID_TURN_MS)
  const agentPid = h.w.taskPane(batchId, id)?.pid
  expect(agentPid, "the agent runs in its pane").toBeDefined()
  await h.w.killSupervisor(batchId, pid)

  const resumed = h.w.cli(["resume", batchId], RESUME_MS)
  await waitFor(
    "a new supervisor holds the lease",
    () => {
      const p = h.w.leasePid(batchId)
      return p !== undefined && p !== pid && alive(p) ? true : undefined
    },
    60_000
  )
  expect(h.w.taskPane(batchId, id)?.pid, "the same agent process, not relaunched").toBe(agentPid)
  release()
  const r = await resumed
  expect(r.code, `resume exits 0\n${r.stderr}`).toBe(0)
  expectMerged(h, batchId, [id])

  const mine = requestsOf(h.server.turns(), id)
  expect(
    mine.filter((t) => commandsIn(t).length === 0),
    "one conversation start"
  ).toHaveLength(1)
  expect(mine.map(continuationTurns), "no continuation turn: nothing was relaunched").not.toContain(1)
  for (const t of mine) expect(userTurnsWith(t, `TASK=${id}`), "the prompt, once").toBe(1)
  expect(
    mine.some((t) => commandsIn(t).some((c) => c.includes("REKINDLE_DONE_FILE"))),
    "the held turn was answered: the agent wrote the marker and reported back"
  ).toBe(true)
  expect(launches(h, batchId, id), "launched once").toEqual(["launch:first"])
  await waitFor(
    "the agent stopped after it finished",
    () => (agentPid !== undefined && alive(agentPid) ? undefined : true),
    30_000
  )
}

/**
 * (c) and (d), in one batch (one agent start fewer per scenario, which matters for OpenCode): the tmux server and the
 * supervisor are killed while every task is mid-turn; `lost[id](conversationId)` then deletes or corrupts that task's
 * conversation record while nothing runs.
 * - (c) each task in `resumed` is relaunched with its conversation: its first request after carries the earlier turns and
 *   exactly one continuation turn, recorded once in the prompt ledger.
 * - (d) `plan` says each task in `lost` is relaunched fresh and why (`why`); each starts one new conversation with the
 *   original prompt plus the hand-off note, once, and no continuation turn.
 */
export const serverKilled = async (
  h: Harness,
  resumed: ReadonlyArray<string>,
  lost: Readonly<Record<string, (conversationId: string) => void>> = {},
  why = /transcript/
): Promise<void> => {
  const ids = [...resumed, ...Object.keys(lost)]
  const held = new Set<string>()
  h.script = holdUntil(held, (t) => continuationTurns(t) > 0 || userTurnsWith(t, HANDOFF_NOTE) > 0)
  const run = await h.w.runDetached(
    h.w.manifest(`${ids.join("-")}.json`, manifestTasks(h, ids), { maxLanes: ids.length })
  )
  const { batchId } = run
  await waitFor("every task mid-turn", () => (ids.every((id) => held.has(id)) ? true : undefined), MID_TURN_MS)
  const conversations = new Map<string, string>()
  for (const id of ids) conversations.set(id, await learned(h, batchId, id))
  let planned = ""
  const requests = await killAndResume(h, run, ids, async () => {
    for (const [id, damage] of Object.entries(lost)) damage(conversations.get(id)!)
    planned = (await h.w.cli(["plan", batchId], 60_000)).stdout
  })
  const ledger = (h.w.state(batchId)["prompts"] as Array<{ taskId: string; text: string }>) ?? []
  for (const id of resumed) {
    const after = requests.get(id)!
    const first = after[0]
    expect(first, "the relaunched agent asked the model").toBeDefined()
    expect(
      commandsIn(first!).some((c) => c.includes(`git add ${id}.txt`)),
      "the earlier turns are carried"
    ).toBe(true)
    expect(userTurnsWith(first!, `TASK=${id}`), "the original prompt, once").toBe(1)
    expect(continuationTurns(first!), "exactly one continuation turn").toBe(1)
    for (const t of after) expect(continuationTurns(t), "never a second continuation").toBe(1)
    expect(launches(h, batchId, id), "one exact-conversation relaunch").toEqual(["launch:first", "launch:resume"])
    expect(h.w.stateTask(batchId, id)["conversationId"], "the same conversation").toBe(conversations.get(id))
    expect(
      ledger.filter((p) => p.taskId === id).map((p) => p.text),
      "the ledger records the one continuation"
    ).toEqual([CONTINUATION_PROMPT])
  }
  for (const id of Object.keys(lost)) {
    expect(planned, `the plan relaunches ${id} fresh, saying why`).toMatch(
      new RegExp(`${id}[^\\n]*fresh[^\\n]*${why.source}`)
    )
    const after = requests.get(id)!
    const starts = after.filter((t) => commandsIn(t).length === 0)
    expect(starts, `${id}: one new conversation`).toHaveLength(1)
    expect(userTurnsWith(starts[0]!, `TASK=${id}`), "the original prompt, once").toBe(1)
    expect(userTurnsWith(starts[0]!, `${HANDOFF_NOTE} 2`), "the hand-off note, once").toBe(1)
    for (const t of after) expect(continuationTurns(t), "no continuation turn in a fresh conversation").toBe(0)
    expect(launches(h, batchId, id), "one fresh relaunch").toEqual(["launch:first", "launch:fresh"])
  }
}

/** Type `text` into the task's pane and press Enter (what a user at the agent's input box does). */
/**
 * Type `text` into the task's pane as a user would, then press Enter once the screen shows it and has settled. Codex's
 * TUI takes keys that arrive in a burst for a paste, and an Enter inside the burst for a newline in it: typed and
 * submitted at once, the turn sat unsubmitted in its input box (seen under load).
 */
const typeInto = async (h: Harness, batchId: string, id: string, text: string) => {
  const pane = h.w.taskPane(batchId, id)
  if (pane === undefined) throw new Error(`no pane for ${id}`)
  if (text !== "") {
    h.w.tmux(["send-keys", "-t", `=${pane.session}:`, "-l", "--", text])
    let last = ""
    await waitFor(
      `"${text}" typed into ${id}'s pane`,
      () => {
        const screen = h.w.screen(batchId, id)
        const settled = screen === last
        last = screen
        return settled && screen.replace(/\s/g, "").includes(text.replace(/\s/g, "")) ? true : undefined
      },
      30_000,
      500
    )
  }
  h.w.tmux(["send-keys", "-t", `=${pane.session}:`, "Enter"])
}

/**
 * (e) the conversation id changed during the run: the agent finishes a first turn, the user starts a new conversation
 * in its pane (`newConversation`: what to type, each line followed by Enter, and what the screen shows before the next
 * line) and gives it a turn; the tmux server is killed while that second conversation is mid-turn (after one
 * exchange); resume continues the LATEST conversation: the first request after carries the second
 * conversation's turn and one continuation turn, and not the first conversation's prompt.
 */
export const conversationChanged = async (
  h: Harness,
  id: string,
  newConversation: ReadonlyArray<{ readonly type: string; readonly then?: string }>
): Promise<void> => {
  const second = `SECOND=${id}: now write the done marker. TASK=${id}`
  let paused = false
  let held = false
  h.script = (turn) => {
    if (!offersShell(turn) || taskOf(turn) !== id) return { text: "Scripted task" }
    const done = commandsIn(turn)
    if (userTurnsWith(turn, `SECOND=${id}`) === 0) {
      if (done.length === 0) return { shell: commit(id) }
      paused = true
      return { text: "Paused: waiting for the next instruction." }
    }
    // One exchange first: pi writes a new session's file only once it holds an answer, so a conversation whose very
    // first turn is open is not yet anywhere to be resumed.
    if (!done.some((c) => c.includes(SECOND_COMMAND))) return { shell: SECOND_COMMAND }
    if (continuationTurns(turn) === 0) {
      held = true
      return { hang: true }
    }
    return done.some((c) => c.includes("REKINDLE_DONE_FILE")) ? { text: `Task ${id} is done.` } : { shell: MARK }
  }
  const run = await h.w.runDetached(h.w.manifest(`${id}.json`, manifestTasks(h, [id])))
  const { batchId } = run
  await waitFor(`${id}'s first conversation paused`, () => (paused ? true : undefined), MID_TURN_MS)
  const first = await learned(h, batchId, id)
  await waitFor("the pause on screen", () => (h.w.screen(batchId, id).includes("Paused") ? true : undefined), 60_000)
  for (const step of newConversation) {
    await typeInto(h, batchId, id, step.type)
    const then = step.then
    if (then !== undefined)
      await waitFor(`"${then}" on screen`, () => (h.w.screen(batchId, id).includes(then) ? true : undefined), 60_000)
  }
  // Ready for the turn: the old conversation and every dialog of the switch gone from the screen, and the screen
  // settled (the same twice, 1 s apart) — typed into a TUI still switching, the turn was lost (seen under load).
  const dialogs = newConversation.flatMap((step) => (step.then === undefined ? [] : [step.then]))
  let last = ""
  await waitFor(
    "the new conversation on screen, settled",
    () => {
      const screen = h.w.screen(batchId, id)
      const settled = screen === last
      last = screen
      return screen.includes("Paused") || dialogs.some((d) => screen.includes(d)) || !settled ? undefined : true
    },
    60_000,
    1_000
  )
  await typeInto(h, batchId, id, second)
  await waitFor(`${id}'s second conversation mid-turn`, () => (held ? true : undefined), 120_000)
  const latest = await waitFor(
    "the new conversation id followed",
    () => {
      const c = h.w.stateTask(batchId, id)["conversationId"]
      return typeof c === "string" && c !== first ? c : undefined
    },
    60_000
  )
  const after = (await killAndResume(h, run, [id])).get(id)!
  expect(after[0], "the relaunched agent asked the model").toBeDefined()
  expect(userTurnsWith(after[0]!, `SECOND=${id}`), "the latest conversation is continued").toBe(1)
  expect(userTurnsWith(after[0]!, `Task ${id}: create`), "not the first conversation").toBe(0)
  expect(continuationTurns(after[0]!), "exactly one continuation turn").toBe(1)
  expect(h.w.stateTask(batchId, id)["conversationId"], "the latest conversation").toBe(latest)
}
