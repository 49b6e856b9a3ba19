/**
 * The batch of the kill -9 loop (test/soak/KillLoop.ts) and how its end is judged. Six fake-agent
 * tasks over three waves on two lanes; every agent prints uniquely numbered progress lines
 * (`step i/N`, then `done`); `asker` waits for one answer typed into its running pane before it works.
 * The judge compares an iteration with one uninterrupted reference run: task outcomes, the merged
 * tree (names AND blob ids), agent starts per task, prompt lines the asker's pane received, and the
 * supervised log sink against what each agent printed. Programs run with argv arrays only.
 */
import * as fs from "node:fs"
import { type E2E, readJsonLines } from "./e2e.ts"
import { tmux } from "./real.ts"

/** The batch id of every soak batch. */
export const SOAK_BATCH = "kl"
/** The answer typed into `asker`'s pane, and its at-most-once ledger key. */
export const ANSWER = "blue-42"
export const ANSWER_KEY = "asker:answer:1"

/** id, prompt (fake-agent directives), dependencies. Waves: [a, b], [c, asker], [e, f]. */
const TASKS: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
  ["a", "write a [steps:10] [sleep:0.05]", []],
  ["b", "write b [steps:6] [sleep:0.1]", []],
  ["c", "write c after a [steps:8] [sleep:0.05]", ["a"]],
  // More lines after the answer than a screen capture shows: the ledger must not lose sight of it.
  ["asker", "ask, then write [ask] [steps:240] [sleep:0.004]", ["b"]],
  ["e", "write e after c [steps:8] [sleep:0.05]", ["c"]],
  ["f", "write f after asker and c [steps:5] [sleep:0.08]", ["asker", "c"]]
]

/** Task ids of the soak batch. */
export const SOAK_TASKS: ReadonlyArray<string> = TASKS.map(([id]) => id)

/** Write the soak manifest into `e` (batch id {@link SOAK_BATCH}, two lanes). */
export const soakManifest = (e: E2E): string =>
  e.manifest(TASKS.map(([id, prompt, deps]) => e.task(id, prompt, deps)), { maxLanes: 2 })

/** What one start of `taskId`'s agent prints that the sink must hold: `step 1/N` … `step N/N`, `done`. */
export const printedBy = (taskId: string): ReadonlyArray<string> => {
  const prompt = TASKS.find(([id]) => id === taskId)?.[1] ?? ""
  const n = Number(/\[steps:(\d+)\]/.exec(prompt)?.[1] ?? 3)
  return [...Array.from({ length: n }, (_, i) => `step ${i + 1}/${n}`), "done"]
}

const isProgress = (line: string) => /^step \d+\/\d+$/.test(line) || line === "done"

/** Whether `asker` waits for its answer and nobody has recorded a delivery of it yet. */
export const askerWaitsUnanswered = (e: E2E): boolean => {
  const state = e.state()
  if (state === undefined || state.prompts.some((p) => p.key === ANSWER_KEY)) return false
  try {
    return fs.readFileSync(e.paths.log("asker"), "utf8").includes("? waiting for input")
  } catch {
    return false
  }
}

/** Type the answer into `asker`'s pane directly (the reference run: no supervisor is interrupted there). */
export const typeAnswer = (e: E2E): void => {
  const target = `=${e.taskState("asker").session}:`
  if (tmux(e.socket, "send-keys", "-t", target, "-l", ANSWER).status !== 0 || tmux(e.socket, "send-keys", "-t", target, "Enter").status !== 0) {
    throw new Error("cannot type the answer into asker's pane")
  }
}

/** What a finished batch is compared on. */
export interface Outcome {
  readonly phase: string
  readonly statuses: Readonly<Record<string, string>>
  /** `git ls-tree -r main`: mode, type, blob id and name of every file. */
  readonly tree: ReadonlyArray<string>
  /** Agent starts per task (the fake agent logs each one). */
  readonly starts: Readonly<Record<string, number>>
}

/** The outcome of the batch in `e`. */
export const outcomeOf = (e: E2E): Outcome => {
  const state = e.state()
  const starts: Record<string, number> = {}
  for (const r of e.runs()) starts[r.task] = (starts[r.task] ?? 0) + 1
  return {
    phase: state?.phase ?? "missing",
    statuses: Object.fromEntries(SOAK_TASKS.map((id) => [id, state?.tasks.find((t) => t.id === id)?.status ?? "missing"])),
    tree: e.tree(),
    starts
  }
}

/** The violation counts of one iteration (all must be 0). */
export interface Judged {
  readonly lost: number
  readonly twice: number
  readonly doublePrompt: number
  /** The answer's ledger entry did not end `confirmed` (guarantee 3: confirmed or reported). */
  readonly promptUnsettled: number
  readonly logLost: number
  readonly logDup: number
  readonly logOrder: number
  readonly treeMismatch: number
  /** Human-readable details of any non-zero count. */
  readonly notes: ReadonlyArray<string>
}

/** Lines of `want` missing from `got` and lines of `got` beyond `want` (multisets), and whether the order differs. */
export const compareLines = (want: ReadonlyArray<string>, got: ReadonlyArray<string>) => {
  const count = (xs: ReadonlyArray<string>) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())
  const w = count(want)
  const g = count(got)
  let lost = 0
  let dup = 0
  for (const k of new Set([...w.keys(), ...g.keys()])) {
    lost += Math.max(0, (w.get(k) ?? 0) - (g.get(k) ?? 0))
    dup += Math.max(0, (g.get(k) ?? 0) - (w.get(k) ?? 0))
  }
  const reordered = lost === 0 && dup === 0 && want.some((x, i) => got[i] !== x)
  return { lost, dup, reordered }
}

/** Judge the finished batch in `e` against the reference outcome. */
export const judge = (e: E2E, reference: Outcome): Judged => {
  const got = outcomeOf(e)
  const notes: Array<string> = []
  const lostTasks = SOAK_TASKS.filter((id) => got.statuses[id] !== reference.statuses[id])
  if (lostTasks.length > 0) notes.push(`tasks not as in the reference: ${lostTasks.map((id) => `${id}=${got.statuses[id]}`).join(", ")}`)
  let twice = 0
  for (const id of SOAK_TASKS) {
    const extra = Math.max(0, (got.starts[id] ?? 0) - (reference.starts[id] ?? 0))
    if (extra > 0) notes.push(`${id} started ${got.starts[id]} times (reference ${reference.starts[id] ?? 0})`)
    twice += extra
  }
  const treeMismatch = got.tree.join("\n") === reference.tree.join("\n") ? 0 : 1
  if (treeMismatch > 0) notes.push(`merged tree differs: ${got.tree.join("; ")}`)
  // The asker's pane log records the tty echo of every line typed into the pane, and the agent's reply.
  const pane = paneLogLines(e, "asker")
  const typed = pane.filter((l) => l.trim() === ANSWER).length
  const replies = pane.filter((l) => l.includes(`got answer: ${ANSWER}`)).length
  const doublePrompt = Math.max(0, typed - 1) + Math.max(0, replies - 1)
  if (doublePrompt > 0) notes.push(`asker's pane received the answer ${typed} times (replied ${replies} times)`)
  const entry = e.state()?.prompts.find((p) => p.key === ANSWER_KEY)
  const promptUnsettled = entry?.status === "confirmed" ? 0 : 1
  if (promptUnsettled > 0) notes.push(`the answer's ledger entry ended ${entry?.status ?? "missing"}`)
  let logLost = 0
  let logDup = 0
  let logOrder = 0
  for (const id of SOAK_TASKS) {
    const sink = e.sinkLines(id)
    const printed = Array.from({ length: got.starts[id] ?? 0 }, () => printedBy(id)).flat()
    const vsPrinted = compareLines(printed, sink.filter(isProgress))
    // Every complete line tmux piped from the pane (echoes and headers too) is in the sink once, in order.
    const vsPane = compareLines(paneLogLines(e, id), sink)
    const lost = Math.max(vsPrinted.lost, vsPane.lost)
    const dup = Math.max(vsPrinted.dup, vsPane.dup)
    const order = vsPrinted.reordered || vsPane.reordered ? 1 : 0
    if (lost + dup + order > 0) notes.push(`${id}'s sink: ${lost} lost, ${dup} duplicated${order > 0 ? ", out of order" : ""}`)
    logLost += lost
    logDup += dup
    logOrder += order
  }
  return { lost: lostTasks.length, twice, doublePrompt, promptUnsettled, logLost, logDup, logOrder, treeMismatch, notes }
}

/** The complete lines of a task's pane log (CR stripped), or none. */
const paneLogLines = (e: E2E, taskId: string): ReadonlyArray<string> => {
  try {
    return e.logLines(taskId)
  } catch {
    return []
  }
}

/** Every prompt ledger entry's final status (for the outcome line). */
export const promptStatuses = (e: E2E): ReadonlyArray<string> => e.state()?.prompts.map((p) => p.status) ?? []

/** Agent starts so far (cheap: the fake agent's start log). */
export const startCount = (e: E2E): number => readJsonLines(e.agentLog).length
