/**
 * Black-box test helpers for the `rekindle` CLI.
 *
 * Written from README.md and `rekindle --help` only: the CLI is run as a child process, the world
 * (tmux on a PRIVATE socket, git, processes, files, what the agents themselves logged) is read
 * directly. Nothing here imports rekindle's sources.
 *
 * Safety rules kept by every helper:
 * - tmux is only ever called with `-L <private socket>` (`rekindle-test-bb-<random>`);
 * - processes are only signalled by pids we learned (our children, the lease file, `run --detached`
 *   output, `list-panes`), never by name;
 * - everything is spawned with argv arrays, never a shell string.
 */
import { spawn, spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
export const NODE = path.join(REPO_ROOT, "node_modules", ".bin", "node")
export const BIN = path.join(REPO_ROOT, "bin", "rekindle.js")

/** `REKINDLE_BLACKBOX_SCALE=full` makes every scenario bigger / repeated (soak); default small. */
export const FULL = process.env["REKINDLE_BLACKBOX_SCALE"] === "full"

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const GIT_ENV = {
  GIT_AUTHOR_NAME: "bb-test",
  GIT_AUTHOR_EMAIL: "bb-test@example.invalid",
  GIT_COMMITTER_NAME: "bb-test",
  GIT_COMMITTER_EMAIL: "bb-test@example.invalid"
}

/** The environment every child gets: no inherited TMUX (we must never talk to the default server). */
export const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV, NO_COLOR: "1", TERM: "dumb" }
  delete env["TMUX"]
  delete env["TMUX_PANE"]
  delete env["REKINDLE_DEBUG"]
  return env
}

export interface CliResult {
  readonly args: ReadonlyArray<string>
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  readonly ms: number
}

/** Parse the single JSON document a `--json` command prints; undefined when it is not JSON. */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

export const alive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 1) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
  // A zombie (killed but not yet reaped by its parent) answers kill(0); it is not alive.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
    return state !== "Z" && state !== "X"
  } catch {
    return false
  }
}

/** A process's argv joined by spaces ("" when it is gone). */
export const cmdline = (pid: number): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")
  } catch {
    return ""
  }
}

/** Poll `probe` until it returns a non-undefined value, or throw after `timeoutMs` saying what we waited for. */
export const waitFor = async <A>(
  what: string,
  probe: () => A | undefined | Promise<A | undefined>,
  timeoutMs: number,
  intervalMs = 100
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await sleep(intervalMs)
  }
}

const tail = (s: string, n = 3000): string => (s.length > n ? `…${s.slice(s.length - n)}` : s)

/** The agent every task runs: a POSIX sh script given as a file (argv), never a shell string. */
const AGENT_SCRIPT = `#!/bin/sh
# agent.sh ok   <task> <label> <runslog> <lines> <delay>
# agent.sh fail <task> <label> <runslog> <exitcode> <sleepsecs>
mode="$1"; task="$2"; label="$3"; runs="$4"
echo "start $task $label $$" >> "$runs"
if [ "$mode" = fail ]; then
  echo "$task: working before failing"
  sleep "$6"
  echo "fail $task $label $$ $5" >> "$runs"
  exit "$5"
fi
lines="$5"; delay="$6"
i=0
while [ "$i" -lt "$lines" ]; do
  i=$((i+1))
  echo "$task line $i"
  sleep "$delay"
done
echo "$task $label" > "out-$label-$task.txt"
git add "out-$label-$task.txt" >/dev/null 2>&1
git -c user.name=bb-agent -c user.email=bb-agent@example.invalid commit -q -m "task $label $task" >/dev/null 2>&1 || true
echo "done $task $label $$" >> "$runs"
printf '{"status":"succeeded","summary":"%s done"}' "$task" > "$REKINDLE_DONE_FILE"
`

export interface TaskSpec {
  readonly id: string
  /** label written to runs.log and used in the output file name (distinguishes batches) */
  readonly label?: string
  readonly mode?: "ok" | "fail"
  /** ok: lines printed (default 20); fail: exit code (default 3) */
  readonly a?: number
  /** ok: seconds between lines (default 0.1); fail: seconds before exiting (default 2) */
  readonly b?: number
  readonly dependsOn?: ReadonlyArray<string>
}

export interface RunEvent {
  readonly kind: "start" | "done" | "fail"
  readonly task: string
  readonly label: string
  readonly pid: number
}

export interface Pane {
  readonly session: string
  readonly pid: number
  readonly dead: boolean
  readonly tag: string
}

/** Every pane of a private server (`list-panes -a` through `tmux`, which runs tmux on that server); none when it is down. */
export const listPanes = (
  tmux: (args: ReadonlyArray<string>) => { readonly code: number | null; readonly stdout: string }
): Array<Pane> => {
  const r = tmux(["list-panes", "-a", "-F", "#{session_name}\t#{pane_pid}\t#{pane_dead}\t#{@rekindle_task}"])
  if (r.code !== 0) return []
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [session = "", pid = "0", dead = "0", tag = ""] = l.split("\t")
      return { session, pid: Number(pid), dead: dead === "1", tag }
    })
}

/** Run the CLI as a child in `cwd` with `env` (argv only), SIGKILLed past `timeoutMs`; `spawned` learns its pid. */
export const runCli = (
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: ReadonlyArray<string>,
  timeoutMs: number,
  spawned: (pid: number | undefined) => void
): Promise<CliResult> => {
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(NODE, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    spawned(child.pid)
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined && alive(child.pid)) process.kill(child.pid, "SIGKILL")
    }, timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ args: [...args], code, signal, stdout, stderr, timedOut, ms: Date.now() - started })
    })
  })
}

export class World {
  readonly tmp: string
  readonly repo: string
  readonly socket: string
  readonly runsLog: string
  readonly agent: string
  readonly history: Array<CliResult> = []
  /** pids we learned (our children, supervisors) — killed in cleanup if still alive */
  private readonly pids = new Set<number>()
  private readonly notes: Array<string> = []

  constructor(label: string) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `rekindle-bb-${label}-`))
    this.repo = path.join(this.tmp, "repo")
    this.socket = `rekindle-test-bb-${crypto.randomBytes(5).toString("hex")}`
    this.runsLog = path.join(this.tmp, "runs.log")
    this.agent = path.join(this.tmp, "agent.sh")
    fs.writeFileSync(this.agent, AGENT_SCRIPT, { mode: 0o755 })
    fs.writeFileSync(this.runsLog, "")
    fs.mkdirSync(this.repo)
    this.git(["init", "-q", "-b", "main"])
    fs.writeFileSync(path.join(this.repo, "README.md"), "black-box test repo\n")
    this.git(["add", "README.md"])
    this.git(["commit", "-q", "-m", "initial"])
  }

  note(line: string): void {
    this.notes.push(`${new Date().toISOString()} ${line}`)
  }

  remember(pid: number | undefined): void {
    if (pid !== undefined && Number.isInteger(pid) && pid > 1) this.pids.add(pid)
  }

  git(args: ReadonlyArray<string>): string {
    const r = spawnSync("git", [...args], { cwd: this.repo, env: childEnv(), encoding: "utf8", timeout: 30_000 })
    if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed (${r.status}): ${r.stderr}`)
    return r.stdout
  }

  tmux(args: ReadonlyArray<string>): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync("tmux", ["-L", this.socket, ...args], { env: childEnv(), encoding: "utf8", timeout: 10_000 })
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
  }

  /** Write a manifest of shell tasks running the agent script; returns its path. */
  manifest(name: string, tasks: ReadonlyArray<TaskSpec>, options: Record<string, unknown> = {}): string {
    const file = path.join(this.tmp, name)
    const doc = {
      tasks: tasks.map((t) => {
        const mode = t.mode ?? "ok"
        const a = t.a ?? (mode === "ok" ? 20 : 3)
        const b = t.b ?? (mode === "ok" ? 0.1 : 2)
        return {
          id: t.id,
          agent: "shell",
          prompt: `black-box task ${t.id}`,
          command: ["/bin/sh", this.agent, mode, t.id, t.label ?? "-", this.runsLog, String(a), String(b)],
          ...(t.dependsOn !== undefined ? { dependsOn: [...t.dependsOn] } : {})
        }
      }),
      options: { tmuxSocket: this.socket, ...options }
    }
    fs.writeFileSync(file, JSON.stringify(doc, null, 2))
    return file
  }

  /** Run the CLI (cwd = the repo), bounded by `timeoutMs` (the child is SIGKILLed past it). */
  async cli(args: ReadonlyArray<string>, timeoutMs = 60_000): Promise<CliResult> {
    const r = await runCli(this.repo, childEnv(), args, timeoutMs, (pid) => this.remember(pid))
    this.history.push(r)
    const doc = parseJson(r.stdout)
    if (isRecord(doc) && isRecord(doc["supervisor"]) && typeof doc["supervisor"]["pid"] === "number") {
      this.remember(doc["supervisor"]["pid"])
    }
    return r
  }

  /** `run <manifest> --detached --json`: the batch id and supervisor pid, or the failed result. */
  async runDetached(
    manifest: string,
    extra: ReadonlyArray<string> = []
  ): Promise<{ result: CliResult; batchId?: string; pid?: number }> {
    const result = await this.cli(["run", manifest, "--detached", "--json", ...extra], 60_000)
    const doc = parseJson(result.stdout)
    if (!isRecord(doc)) return { result }
    const batchId = typeof doc["batchId"] === "string" ? doc["batchId"] : undefined
    const sup = isRecord(doc["supervisor"]) ? doc["supervisor"] : undefined
    const pid = sup !== undefined && typeof sup["pid"] === "number" ? sup["pid"] : undefined
    return { result, ...(batchId !== undefined ? { batchId } : {}), ...(pid !== undefined ? { pid } : {}) }
  }

  stateDir(batchId: string): string {
    return path.join(this.repo, ".rekindle", batchId)
  }

  /** The supervisor pid in `.rekindle/<batch>/lease.json` (README: the supervisor lease). */
  leasePid(batchId: string): number | undefined {
    try {
      const doc = parseJson(fs.readFileSync(path.join(this.stateDir(batchId), "lease.json"), "utf8"))
      if (isRecord(doc) && isRecord(doc["owner"]) && typeof doc["owner"]["pid"] === "number") {
        this.remember(doc["owner"]["pid"])
        return doc["owner"]["pid"]
      }
    } catch {
      // no lease
    }
    return undefined
  }

  /** SIGKILL the batch's supervisor (pid from the lease, else the given one) and wait until it is gone. */
  async killSupervisor(batchId: string, fallbackPid?: number): Promise<number> {
    const pid = this.leasePid(batchId) ?? fallbackPid
    if (pid === undefined) throw new Error(`no supervisor pid for batch ${batchId}`)
    if (alive(pid)) process.kill(pid, "SIGKILL")
    await waitFor(`supervisor ${pid} gone`, () => (alive(pid) ? undefined : true), 10_000, 50)
    this.note(`SIGKILLed supervisor ${pid} of ${batchId}`)
    return pid
  }

  /** What a reboot does to tmux: the private server is killed (never the default one). */
  killServer(): void {
    const r = this.tmux(["kill-server"])
    this.note(`tmux -L ${this.socket} kill-server → ${r.code} ${r.stderr.trim()}`)
  }

  doneMarker(batchId: string, task: string): string {
    return path.join(this.stateDir(batchId), "done", `${task}.json`)
  }

  // ---- the world ------------------------------------------------------------------------------

  runs(): Array<RunEvent> {
    const out: Array<RunEvent> = []
    for (const line of fs.readFileSync(this.runsLog, "utf8").split("\n")) {
      const [kind, task, label, pid] = line.trim().split(/\s+/)
      if ((kind === "start" || kind === "done" || kind === "fail") && task !== undefined && label !== undefined) {
        out.push({ kind, task, label, pid: Number(pid) })
      }
    }
    return out
  }

  count(kind: RunEvent["kind"], task: string, label = "-"): number {
    return this.runs().filter((e) => e.kind === kind && e.task === task && e.label === label).length
  }

  sessions(): Array<string> {
    const r = this.tmux(["list-sessions", "-F", "#{session_name}"])
    if (r.code !== 0) return []
    return r.stdout.split("\n").filter((s) => s.length > 0)
  }

  panes(): Array<Pane> {
    return listPanes((args) => this.tmux(args))
  }

  /** Paths of `git worktree list --porcelain`, realpath'd. */
  worktrees(): Array<string> {
    return this.git(["worktree", "list", "--porcelain"])
      .split("\n")
      .filter((l) => l.startsWith("worktree "))
      .map((l) => l.slice("worktree ".length))
  }

  branches(prefix = "refs/heads/rekindle/"): Array<string> {
    return this.git(["for-each-ref", "--format=%(refname)", prefix])
      .split("\n")
      .filter((l) => l.length > 0)
  }

  /** File names in the tree of `ref` (default: the base branch main). */
  filesOn(ref = "main"): Array<string> {
    return this.git(["ls-tree", "-r", "--name-only", ref])
      .split("\n")
      .filter((l) => l.length > 0)
  }

  batchIds(): Array<string> {
    try {
      return fs
        .readdirSync(path.join(this.repo, ".rekindle"))
        .filter((n) => n !== "worktrees" && fs.statSync(path.join(this.repo, ".rekindle", n)).isDirectory())
    } catch {
      return []
    }
  }

  /** `status --json` for a batch (rekindle's report: used to find ids and statuses, never alone). */
  async status(batchId?: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.cli(["status", ...(batchId !== undefined ? [batchId] : []), "--json"], 30_000)
    const doc = parseJson(r.stdout)
    return isRecord(doc) ? doc : undefined
  }

  async taskStatus(batchId: string, task: string): Promise<Record<string, unknown> | undefined> {
    const doc = await this.status(batchId)
    const tasks = doc?.["tasks"]
    if (!Array.isArray(tasks)) return undefined
    const t: unknown = tasks.find((x: unknown) => isRecord(x) && x["id"] === task)
    return isRecord(t) ? t : undefined
  }

  /** Everything a reader of a failure needs: CLI calls, tmux, git, runs.log, supervisor logs. */
  diag(): string {
    const parts: Array<string> = []
    parts.push(`tmp=${this.tmp} socket=${this.socket}`)
    parts.push(`--- notes\n${this.notes.join("\n")}`)
    for (const r of this.history) {
      parts.push(
        `--- rekindle ${r.args.join(" ")} → code=${r.code} signal=${r.signal} timedOut=${r.timedOut} ${r.ms}ms\n` +
          `stdout: ${tail(r.stdout, 2500)}\nstderr: ${tail(r.stderr, 2500)}`
      )
    }
    parts.push(
      `--- panes (session pid dead tag)\n${this.panes()
        .map((p) => `${p.session} ${p.pid} ${p.dead ? 1 : 0} ${p.tag}`)
        .join("\n")}`
    )
    try {
      parts.push(`--- worktrees\n${this.worktrees().join("\n")}`)
      parts.push(`--- branches\n${this.git(["for-each-ref", "--format=%(refname) %(objectname:short)"])}`)
      parts.push(`--- git log main\n${this.git(["log", "--oneline", "-n", "30", "main"])}`)
    } catch (e) {
      parts.push(`--- git: ${String(e)}`)
    }
    try {
      parts.push(`--- runs.log\n${fs.readFileSync(this.runsLog, "utf8")}`)
    } catch {
      // none
    }
    for (const b of this.batchIds()) {
      try {
        parts.push(
          `--- ${b}/supervisor.log\n${tail(fs.readFileSync(path.join(this.stateDir(b), "supervisor.log"), "utf8"), 4000)}`
        )
      } catch {
        // none
      }
    }
    return parts.join("\n")
  }

  /** Kill what we started (by learned pid), our private tmux server, and remove the temp dir. */
  cleanup(): void {
    for (const pid of this.pids) {
      // a learned pid is only signalled while it still runs rekindle from this checkout (no pid-reuse accident;
      // the background supervisor runs cli/main.ts, the CLI we spawn bin/rekindle.js)
      if (alive(pid) && cmdline(pid).includes(REPO_ROOT)) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // gone meanwhile
        }
      }
    }
    // Agents we know of (runs.log pids), then the private server with whatever still runs in it.
    try {
      for (const e of this.runs()) {
        if (e.kind === "start" && alive(e.pid) && cmdline(e.pid).includes(this.agent)) {
          try {
            process.kill(e.pid, "SIGKILL")
          } catch {
            // gone meanwhile
          }
        }
      }
    } catch {
      // no runs.log
    }
    this.tmux(["kill-server"])
    fs.rmSync(this.tmp, { recursive: true, force: true })
  }
}

/**
 * Run `body` with a fresh World; on failure print the world (so a red test is diagnosable), always
 * clean up (private tmux server, learned pids, temp repo).
 */
export const withWorld = async (label: string, body: (w: World) => Promise<void>): Promise<void> => {
  const w = new World(label)
  try {
    await body(w)
    if (process.env["REKINDLE_BLACKBOX_DIAG"] === "1")
      console.error(`\n===== black-box world (${label}, passed) =====\n${w.diag()}\n===== end =====\n`)
  } catch (e) {
    console.error(`\n===== black-box world at failure (${label}) =====\n${w.diag()}\n===== end =====\n`)
    throw e
  } finally {
    w.cleanup()
  }
}

/** Wait until the private server has none of `pids` alive (agents killed by a server loss). */
export const waitAllDead = (pids: ReadonlyArray<number>, timeoutMs: number): Promise<true> =>
  waitFor(`processes ${pids.join(",")} gone`, () => (pids.every((p) => !alive(p)) ? true : undefined), timeoutMs, 50)
