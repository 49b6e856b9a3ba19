/**
 * The batch of the kill -9 loop (scripts/soak/KillLoop.ts) and how its end is judged. Six fake-agent
 * tasks over three waves on two lanes; every agent prints uniquely numbered progress lines
 * (`step i/N`, then `done`); `asker` waits for one answer typed into its running pane before it works.
 * The judge compares an iteration with one uninterrupted reference run: task outcomes, the merged
 * tree (names AND blob ids), agent starts per task, prompt lines the asker's pane received, and the
 * supervised log sink against what each agent printed, and what the batch left in the world (tmux
 * sessions on the private server, git worktrees, `rekindle/<batch>/*` branches). Variants of the
 * batch serve the loop's other modes (a wider first wave for the reboot, a task failing with exit 3
 * for the failure during downtime); each is judged against a reference run of itself. Programs run
 * with argv arrays only.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { type E2E, readJsonLines } from "../../test/support/real/e2e.ts"
import { git } from "../../test/support/real/repo.ts"
import { sessionNames, tmux } from "../../test/support/real/socket.ts"

/** The batch id of every soak batch. */
export const SOAK_BATCH = "kl"
/** The answer typed into `asker`'s pane, and its at-most-once ledger key. */
export const ANSWER = "blue-42"
export const ANSWER_KEY = "asker:answer:1"

/** One task of a soak batch: id, prompt (fake-agent directives), dependencies; `gate`: see {@link SoakVariant}. */
export interface SoakTask {
  readonly id: string
  readonly prompt: string
  readonly deps: ReadonlyArray<string>
  /**
   * The task runs test/fixtures/soak-gated-agent.ts instead of the fake agent: its steps, then it
   * waits for its gate file ({@link gatePath}) and exits with this status without a done marker.
   */
  readonly gate?: number
}

/**
 * A soak batch: the standard one of the kill -9 loop, or a variant for one of its modes (the wide
 * batch of the reboot, the batch whose `c` fails). Each variant is compared with an uninterrupted
 * reference run of itself.
 */
export interface SoakVariant {
  readonly name: string
  readonly tasks: ReadonlyArray<SoakTask>
  readonly maxLanes: number
  readonly failurePolicy?: "stop-wave" | "skip-dependents" | "stop-all"
  /** Whether its reference run completes (else it must end as it ended, worktrees of failed tasks kept). */
  readonly completes: boolean
}

/** Waves: [a, b], [c, asker], [e, f]. */
const TASKS: ReadonlyArray<SoakTask> = [
  { id: "a", prompt: "write a [steps:10] [sleep:0.05]", deps: [] },
  { id: "b", prompt: "write b [steps:6] [sleep:0.1]", deps: [] },
  { id: "c", prompt: "write c after a [steps:8] [sleep:0.05]", deps: ["a"] },
  // More lines after the answer than a screen capture shows: the ledger must not lose sight of it.
  { id: "asker", prompt: "ask, then write [ask] [steps:240] [sleep:0.004]", deps: ["b"] },
  { id: "e", prompt: "write e after c [steps:8] [sleep:0.05]", deps: ["c"] },
  { id: "f", prompt: "write f after asker and c [steps:5] [sleep:0.08]", deps: ["asker", "c"] }
]

/** The kill -9 loop's batch: six tasks, three waves, two lanes. */
export const STANDARD: SoakVariant = { name: "standard", tasks: TASKS, maxLanes: 2, completes: true }

/**
 * The reboot's batch: a third task `g` in wave 1, three lanes, and slower wave-1 agents (about 3 s
 * each), so that three agents run at once long enough for the machine to "reboot" under them.
 * Waves: [a, b, g], [c, asker], [e, f].
 */
export const WIDE: SoakVariant = {
  name: "wide",
  maxLanes: 3,
  completes: true,
  tasks: [
    { id: "a", prompt: "write a [steps:20] [sleep:0.15]", deps: [] },
    { id: "b", prompt: "write b [steps:15] [sleep:0.2]", deps: [] },
    { id: "g", prompt: "write g [steps:17] [sleep:0.18]", deps: [] },
    ...TASKS.slice(2)
  ]
}

/**
 * The batch of "an agent fails during downtime": the standard batch, but `c` (wave 2, next to the
 * asker) runs the gated agent, which exits 3 without its marker once the driver opens its gate;
 * failure policy skip-dependents (so `e` and `f`, which need `c`, are skipped and the rest goes on).
 */
export const FAILING: SoakVariant = {
  name: "failing",
  maxLanes: 2,
  failurePolicy: "skip-dependents",
  completes: false,
  tasks: TASKS.map((t) =>
    t.id === "c" ? { ...t, prompt: "write c after a, then fail [steps:8] [sleep:0.05]", gate: 3 } : t
  )
}

/** Task ids of the standard soak batch. */
export const SOAK_TASKS: ReadonlyArray<string> = TASKS.map((t) => t.id)

const GATED_AGENT = nodePath.resolve(import.meta.dirname, "../../test/fixtures/soak-gated-agent.ts")

/** The gate file of a gated task: once it exists, the task's agent exits (see {@link SoakTask.gate}). */
export const gatePath = (e: E2E, taskId: string): string => nodePath.join(e.dir, `gate-${taskId}`)

/** Open every gate of `variant` (the reference run: its gated agents exit right after their steps). */
export const openGates = (e: E2E, variant: SoakVariant): void => {
  for (const t of variant.tasks) if (t.gate !== undefined) fs.writeFileSync(gatePath(e, t.id), "open\n")
}

/** Write the manifest of `variant` into `e` (batch id {@link SOAK_BATCH}). */
export const soakManifest = (e: E2E, variant: SoakVariant = STANDARD): string =>
  e.manifest(
    variant.tasks.map((t) =>
      e.task(
        t.id,
        t.prompt,
        t.deps,
        t.gate === undefined ? {} : { command: [process.execPath, GATED_AGENT, gatePath(e, t.id), String(t.gate)] }
      )
    ),
    {
      maxLanes: variant.maxLanes,
      ...(variant.failurePolicy === undefined ? {} : { failurePolicy: variant.failurePolicy })
    }
  )

/**
 * What one start of `taskId`'s agent prints that the sink must hold: `step 1/N` … `step N/N`, then
 * `done` (a gated agent exits after its steps, without `done`).
 */
export const printedBy = (taskId: string, variant: SoakVariant = STANDARD): ReadonlyArray<string> => {
  const task = variant.tasks.find((t) => t.id === taskId)
  const n = Number(/\[steps:(\d+)\]/.exec(task?.prompt ?? "")?.[1] ?? 3)
  return [...Array.from({ length: n }, (_, i) => `step ${i + 1}/${n}`), ...(task?.gate === undefined ? ["done"] : [])]
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
  if (
    tmux(e.socket, "send-keys", "-t", target, "-l", ANSWER).status !== 0 ||
    tmux(e.socket, "send-keys", "-t", target, "Enter").status !== 0
  ) {
    throw new Error("cannot type the answer into asker's pane")
  }
}

/** What a batch left in the world: its tmux sessions, extra git worktrees (relative to the repo), its branches. */
export interface Leftovers {
  readonly sessions: ReadonlyArray<string>
  readonly worktrees: ReadonlyArray<string>
  readonly branches: ReadonlyArray<string>
}

/** Read {@link Leftovers} from the world: `tmux -L <socket> list-sessions`, `git worktree list`, `git for-each-ref`. */
export const leftoversOf = (e: E2E): Leftovers => ({
  // The private server hosts nothing but this batch: every session on it is the batch's.
  sessions: sessionNames(e.socket),
  worktrees: e
    .worktrees()
    .filter((p) => p !== e.repo)
    .map((p) => nodePath.relative(e.repo, p))
    .sort(),
  branches: git(e.repo, "for-each-ref", "--format=%(refname)", `refs/heads/rekindle/${e.batchId}/`)
    .split("\n")
    .filter((l) => l !== "")
    .sort()
})

/** What a finished batch is compared on. */
export interface Outcome {
  readonly phase: string
  readonly statuses: Readonly<Record<string, string>>
  /** Exit status recorded for every failed task (null: none recorded). */
  readonly exits: Readonly<Record<string, number | null>>
  /** `git ls-tree -r main`: mode, type, blob id and name of every file. */
  readonly tree: ReadonlyArray<string>
  /** The content of every file on main. */
  readonly files: Readonly<Record<string, string>>
  /** Agent starts per task (the agents log each one). */
  readonly starts: Readonly<Record<string, number>>
  readonly leftovers: Leftovers
}

/** The outcome of the batch of `variant` in `e`. */
export const outcomeOf = (e: E2E, variant: SoakVariant = STANDARD): Outcome => {
  const state = e.state()
  const starts: Record<string, number> = {}
  for (const r of e.runs()) starts[r.task] = (starts[r.task] ?? 0) + 1
  const ids = variant.tasks.map((t) => t.id)
  const failed = (state?.tasks ?? []).filter((t) => t.status === "failed")
  return {
    phase: state?.phase ?? "missing",
    statuses: Object.fromEntries(ids.map((id) => [id, state?.tasks.find((t) => t.id === id)?.status ?? "missing"])),
    exits: Object.fromEntries(failed.map((t) => [t.id, t.exitStatus ?? null])),
    tree: e.tree(),
    files: Object.fromEntries(e.names().map((name) => [name, git(e.repo, "show", `main:${name}`)])),
    starts,
    leftovers: leftoversOf(e)
  }
}

/** The violation counts of one iteration (all must be 0). */
export interface Judged {
  /** Tasks that ran in the reference and did not end as there. */
  readonly lost: number
  /**
   * Tasks the reference never started (their status is the failure policy's doing: skipped, blocked,
   * pending) that did not end as there.
   */
  readonly policyMismatch: number
  readonly twice: number
  readonly doublePrompt: number
  /** The answer's ledger entry did not end `confirmed` (guarantee 3: confirmed or reported). */
  readonly promptUnsettled: number
  readonly logLost: number
  readonly logDup: number
  readonly logOrder: number
  readonly treeMismatch: number
  /** A failed task whose recorded exit status is not the reference's. */
  readonly exitMismatch: number
  /**
   * What the batch left behind that it should not have (a completed batch: anything; a batch that
   * ends with failed tasks: anything but what its reference kept), or kept work the reference kept.
   */
  readonly leftoverSessions: number
  readonly leftoverWorktrees: number
  readonly leftoverBranches: number
  /** Human-readable details of any non-zero count. */
  readonly notes: ReadonlyArray<string>
}

/** Lines of `want` missing from `got` and lines of `got` beyond `want` (multisets), and whether the order differs. */
export const compareLines = (want: ReadonlyArray<string>, got: ReadonlyArray<string>) => {
  const count = (xs: ReadonlyArray<string>) =>
    xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())
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

/** Elements in one list but not the other. */
const symmetricDifference = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...a.filter((x) => !b.includes(x)),
  ...b.filter((x) => !a.includes(x))
]

/**
 * Judge the finished batch of `variant` in `e` against its reference outcome. `extraStarts` allows
 * more agent starts than the reference for some tasks (an agent killed from outside is re-executed).
 */
export const judge = (
  e: E2E,
  reference: Outcome,
  variant: SoakVariant = STANDARD,
  extraStarts: Readonly<Record<string, number>> = {}
): Judged => {
  const got = outcomeOf(e, variant)
  const ids = variant.tasks.map((t) => t.id)
  const notes: Array<string> = []
  const unlike = ids.filter((id) => got.statuses[id] !== reference.statuses[id])
  const lostTasks = unlike.filter((id) => (reference.starts[id] ?? 0) > 0)
  const policyTasks = unlike.filter((id) => (reference.starts[id] ?? 0) === 0)
  if (lostTasks.length > 0)
    notes.push(
      `tasks not as in the reference: ${lostTasks.map((id) => `${id}=${got.statuses[id]} (reference ${reference.statuses[id]})`).join(", ")}`
    )
  if (policyTasks.length > 0)
    notes.push(
      `tasks never started not as in the reference: ${policyTasks.map((id) => `${id}=${got.statuses[id]} (reference ${reference.statuses[id]})`).join(", ")}`
    )
  let twice = 0
  for (const id of ids) {
    const allowed = (reference.starts[id] ?? 0) + (extraStarts[id] ?? 0)
    const extra = Math.max(0, (got.starts[id] ?? 0) - allowed)
    if (extra > 0)
      notes.push(`${id} started ${got.starts[id]} times (reference ${reference.starts[id] ?? 0}, allowed ${allowed})`)
    twice += extra
  }
  const exitsBad = [...new Set([...Object.keys(got.exits), ...Object.keys(reference.exits)])].filter(
    (id) => got.exits[id] !== reference.exits[id]
  )
  if (exitsBad.length > 0)
    notes.push(
      `exit statuses not as in the reference: ${exitsBad.map((id) => `${id}=${got.exits[id]} (reference ${reference.exits[id]})`).join(", ")}`
    )
  // An agent started again writes its attempt number into its file: expect the last start's.
  const expectedTree = reference.tree
    .map((line) => {
      const tab = line.indexOf("\t")
      const name = line.slice(tab + 1)
      const id = ids.find(
        (x) => name === `${x}.txt` && (extraStarts[x] ?? 0) > 0 && (got.starts[x] ?? 0) > (reference.starts[x] ?? 0)
      )
      const content = reference.files[name]
      if (id === undefined || content === undefined) return line
      const attempt = e
        .runs()
        .filter((r) => r.task === id)
        .at(-1)?.attempt
      const blob = execFileSync("git", ["hash-object", "--stdin"], {
        input: content.replace(/\(attempt \d+\)/, `(attempt ${attempt})`),
        encoding: "utf8"
      }).trim()
      return `${line.slice(0, tab).replace(/[0-9a-f]{40}$/, blob)}\t${name}`
    })
    .sort()
  const treeMismatch = got.tree.join("\n") === expectedTree.join("\n") ? 0 : 1
  if (treeMismatch > 0) notes.push(`merged tree differs: ${got.tree.join("; ")}`)
  const expected: Leftovers = variant.completes ? { sessions: [], worktrees: [], branches: [] } : reference.leftovers
  const left = {
    sessions: symmetricDifference(got.leftovers.sessions, expected.sessions),
    worktrees: symmetricDifference(got.leftovers.worktrees, expected.worktrees),
    branches: symmetricDifference(got.leftovers.branches, expected.branches)
  }
  for (const [what, xs] of Object.entries(left))
    if (xs.length > 0)
      notes.push(
        `${what} not as expected (${JSON.stringify((expected as unknown as Record<string, unknown>)[what])}): ${xs.join(", ")}`
      )
  // The asker's pane log records the tty echo of every line typed into the pane, and the agent's reply.
  let doublePrompt = 0
  let promptUnsettled = 0
  if ((reference.starts["asker"] ?? 0) > 0) {
    const pane = paneLogLines(e, "asker")
    const typed = pane.filter((l) => l.trim() === ANSWER).length
    const replies = pane.filter((l) => l.includes(`got answer: ${ANSWER}`)).length
    doublePrompt = Math.max(0, typed - 1) + Math.max(0, replies - 1)
    if (doublePrompt > 0) notes.push(`asker's pane received the answer ${typed} times (replied ${replies} times)`)
    const entry = e.state()?.prompts.find((p) => p.key === ANSWER_KEY)
    promptUnsettled = entry?.status === "confirmed" ? 0 : 1
    if (promptUnsettled > 0) notes.push(`the answer's ledger entry ended ${entry?.status ?? "missing"}`)
  }
  let logLost = 0
  let logDup = 0
  let logOrder = 0
  for (const id of ids) {
    const sink = e.sinkLines(id)
    const full = printedBy(id, variant)
    const relaunched = (extraStarts[id] ?? 0) > 0 && (got.starts[id] ?? 0) > (reference.starts[id] ?? 0)
    const vsPrinted = relaunched
      ? killedThenComplete(full, sink.filter(isProgress))
      : compareLines(Array.from({ length: got.starts[id] ?? 0 }, () => full).flat(), sink.filter(isProgress))
    // Every complete line tmux piped from the pane (echoes and headers too) is in the sink once, in order.
    const vsPane = compareLines(paneLogLines(e, id), sink)
    const lost = Math.max(vsPrinted.lost, vsPane.lost)
    const dup = Math.max(vsPrinted.dup, vsPane.dup)
    const order = vsPrinted.reordered || vsPane.reordered ? 1 : 0
    if (lost + dup + order > 0)
      notes.push(`${id}'s sink: ${lost} lost, ${dup} duplicated${order > 0 ? ", out of order" : ""}`)
    logLost += lost
    logDup += dup
    logOrder += order
  }
  return {
    lost: lostTasks.length,
    policyMismatch: policyTasks.length,
    twice,
    doublePrompt,
    promptUnsettled,
    logLost,
    logDup,
    logOrder,
    treeMismatch,
    exitMismatch: exitsBad.length,
    leftoverSessions: left.sessions.length,
    leftoverWorktrees: left.worktrees.length,
    leftoverBranches: left.branches.length,
    notes
  }
}

/**
 * The progress lines of an agent killed from outside and started again: whatever each killed start
 * printed before it died (a prefix of `full`: `step 1/N`, `step 2/N`, … — unknown in length, the
 * machine took the rest), then one complete start. Compared like {@link compareLines}.
 */
const killedThenComplete = (full: ReadonlyArray<string>, got: ReadonlyArray<string>) => {
  const last = got.lastIndexOf(full[0]!)
  if (last < 0) return compareLines(full, got)
  const tail = compareLines(full, got.slice(last))
  let reordered = tail.reordered
  let expect = 0
  for (const line of got.slice(0, last)) {
    if (line === full[0]) expect = 0
    if (line !== full[expect]) reordered = true
    expect += 1
  }
  return { lost: tail.lost, dup: tail.dup, reordered }
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
