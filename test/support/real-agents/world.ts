/**
 * The world of a real-agent scenario: a temp git repository, a temp HOME (never the user's ~/.claude or ~/.codex), a
 * private tmux socket, the pinned agent CLIs on PATH (test/agents/install.ts) and the rekindle CLI run as a child
 * process. Model servers are the test's (test/support/model-servers/). Everything is read from the world: panes,
 * processes, refs, files. Cleanup kills what the world learned by pid or socket, never by name.
 */
import { spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  alive,
  type CliResult,
  cmdline,
  isRecord,
  listPanes,
  type Pane,
  parseJson,
  runCli,
  waitFor
} from "../../blackbox/cli.ts"
import { ensureRealAgents, realAgentsSkipped, SKIP_ENV } from "../../agents/install.ts"

export { alive, waitFor }

const GIT_ENV = {
  GIT_AUTHOR_NAME: "real-agent-test",
  GIT_AUTHOR_EMAIL: "real-agent-test@example.invalid",
  GIT_COMMITTER_NAME: "real-agent-test",
  GIT_COMMITTER_EMAIL: "real-agent-test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1"
}

/** Whether this run skips the real-agent suite; says so on stderr (never silently). */
export const skipRealAgents = (suite: string): boolean => {
  if (!realAgentsSkipped()) return false
  console.warn(`[rekindle] SKIPPED the real-agent suite "${suite}": ${SKIP_ENV}=1 (CI never sets it)`)
  return true
}

export class AgentWorld {
  readonly tmp: string
  readonly repo: string
  readonly home: string
  readonly socket: string
  readonly bin: string
  readonly history: Array<CliResult> = []
  private readonly pids = new Set<number>()
  private env: Record<string, string> = {}

  constructor(label: string) {
    this.bin = ensureRealAgents()
    this.tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `rekindle-ra-${label}-`)))
    this.repo = path.join(this.tmp, "repo")
    this.home = path.join(this.tmp, "home")
    this.socket = `rekindle-test-ra-${crypto.randomBytes(5).toString("hex")}`
    fs.mkdirSync(this.repo)
    fs.mkdirSync(this.home, { mode: 0o700 })
    this.git(["init", "-q", "-b", "main"])
    fs.writeFileSync(path.join(this.repo, "README.md"), "real-agent test repo\n")
    this.git(["add", "README.md"])
    this.git(["commit", "-q", "-m", "initial"])
  }

  /** Environment additions for every child (the model server's URL, keys). */
  setEnv(env: Record<string, string>): void {
    this.env = { ...this.env, ...env }
  }

  childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...GIT_ENV,
      HOME: this.home,
      XDG_CONFIG_HOME: path.join(this.home, ".config"),
      XDG_DATA_HOME: path.join(this.home, ".local", "share"),
      XDG_STATE_HOME: path.join(this.home, ".local", "state"),
      XDG_CACHE_HOME: path.join(this.home, ".cache"),
      PATH: `${this.bin}:${process.env["PATH"] ?? ""}`,
      NO_COLOR: "1",
      TERM: "xterm-256color",
      ...this.env
    }
    for (const k of ["TMUX", "TMUX_PANE", "REKINDLE_DEBUG", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "ANTHROPIC_AUTH_TOKEN"])
      delete env[k]
    return env
  }

  git(args: ReadonlyArray<string>): string {
    const r = spawnSync("git", [...args], { cwd: this.repo, env: this.childEnv(), encoding: "utf8", timeout: 30_000 })
    if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed (${r.status}): ${r.stderr}`)
    return r.stdout
  }

  tmux(args: ReadonlyArray<string>): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync("tmux", ["-L", this.socket, ...args], {
      env: this.childEnv(),
      encoding: "utf8",
      timeout: 10_000
    })
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
  }

  /** Write a manifest (`options.tmuxSocket` = this world's socket); returns its path. */
  manifest(name: string, tasks: ReadonlyArray<Record<string, unknown>>, options: Record<string, unknown> = {}): string {
    const file = path.join(this.tmp, name)
    fs.writeFileSync(file, JSON.stringify({ tasks, options: { tmuxSocket: this.socket, ...options } }, null, 2))
    return file
  }

  /** Run the CLI (cwd = the repo), SIGKILLed past `timeoutMs`. */
  async cli(args: ReadonlyArray<string>, timeoutMs = 60_000): Promise<CliResult> {
    const r = await runCli(this.repo, this.childEnv(), args, timeoutMs, (pid) => this.remember(pid))
    this.history.push(r)
    return r
  }

  remember(pid: number | undefined): void {
    if (pid !== undefined && Number.isInteger(pid) && pid > 1) this.pids.add(pid)
  }

  /** `run <manifest> --detached --json`: batch id and supervisor pid. */
  async runDetached(manifest: string, timeoutMs = 60_000): Promise<{ batchId: string; pid: number }> {
    const r = await this.cli(["run", manifest, "--detached", "--json"], timeoutMs)
    const doc = parseJson(r.stdout)
    const sup = isRecord(doc) && isRecord(doc["supervisor"]) ? doc["supervisor"] : undefined
    if (!isRecord(doc) || typeof doc["batchId"] !== "string" || typeof sup?.["pid"] !== "number")
      throw new Error(`run --detached failed (${r.code}): ${r.stdout}\n${r.stderr}`)
    this.remember(sup["pid"])
    return { batchId: doc["batchId"], pid: sup["pid"] }
  }

  stateDir(batchId: string): string {
    return path.join(this.repo, ".rekindle", batchId)
  }

  /** The supervisor pid of the lease file. */
  leasePid(batchId: string): number | undefined {
    try {
      const doc = parseJson(fs.readFileSync(path.join(this.stateDir(batchId), "lease.json"), "utf8"))
      const owner = isRecord(doc) && isRecord(doc["owner"]) ? doc["owner"] : undefined
      const pid = owner?.["pid"]
      if (typeof pid === "number") this.remember(pid)
      return typeof pid === "number" ? pid : undefined
    } catch {
      return undefined
    }
  }

  /** SIGKILL the batch's supervisor and wait until it is gone. */
  async killSupervisor(batchId: string, fallbackPid?: number): Promise<number> {
    const pid = this.leasePid(batchId) ?? fallbackPid
    if (pid === undefined) throw new Error(`no supervisor pid for ${batchId}`)
    if (alive(pid)) process.kill(pid, "SIGKILL")
    await waitFor(`supervisor ${pid} gone`, () => (alive(pid) ? undefined : true), 10_000, 50)
    return pid
  }

  panes(): Array<Pane> {
    return listPanes((args) => this.tmux(args))
  }

  /** The agent pane of a task (by rekindle's ownership tag). */
  taskPane(batchId: string, taskId: string): Pane | undefined {
    return this.panes().find((p) => p.tag === `${batchId}/${taskId}` && !p.dead)
  }

  /** The visible lines of a task's pane ("" when none). */
  screen(batchId: string, taskId: string): string {
    const pane = this.taskPane(batchId, taskId)
    if (pane === undefined) return ""
    return this.tmux(["capture-pane", "-p", "-t", `=${pane.session}:`]).stdout
  }

  killServer(): void {
    this.tmux(["kill-server"])
  }

  /** Kill the tmux server under a running task, then its supervisor; wait until the task's agent died with them. */
  async killServerUnder(batchId: string, taskId: string, supervisorPid: number): Promise<void> {
    const agentPid = this.taskPane(batchId, taskId)?.pid
    this.killServer()
    await this.killSupervisor(batchId, supervisorPid).catch(() => 0)
    await waitFor(
      "the agent died with its server",
      () => (agentPid !== undefined && alive(agentPid) ? undefined : true),
      15_000
    )
  }

  filesOn(ref = "main"): Array<string> {
    return this.git(["ls-tree", "-r", "--name-only", ref])
      .split("\n")
      .filter((l) => l.length > 0)
  }

  /** `status --json`'s task record. */
  async task(batchId: string, taskId: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.cli(["status", batchId, "--json"], 30_000)
    const doc = parseJson(r.stdout)
    const tasks = isRecord(doc) && Array.isArray(doc["tasks"]) ? doc["tasks"] : []
    const t: unknown = tasks.find((x: unknown) => isRecord(x) && x["id"] === taskId)
    return isRecord(t) ? t : undefined
  }

  /** The persisted state document (to read a task's conversation id and history). */
  state(batchId: string): Record<string, unknown> {
    const doc = parseJson(fs.readFileSync(path.join(this.stateDir(batchId), "state.json"), "utf8"))
    if (!isRecord(doc)) throw new Error("state.json is not an object")
    return doc
  }

  stateTask(batchId: string, taskId: string): Record<string, unknown> {
    const tasks = this.state(batchId)["tasks"]
    const t: unknown = Array.isArray(tasks) ? tasks.find((x: unknown) => isRecord(x) && x["id"] === taskId) : undefined
    if (!isRecord(t)) throw new Error(`no task ${taskId} in the state`)
    return t
  }

  diag(): string {
    const parts = [`tmp=${this.tmp} socket=${this.socket}`]
    for (const r of this.history)
      parts.push(
        `--- rekindle ${r.args.join(" ")} → code=${r.code} timedOut=${r.timedOut} ${r.ms}ms\n` +
          `stdout: ${r.stdout.slice(-2500)}\nstderr: ${r.stderr.slice(-2500)}`
      )
    for (const p of this.panes()) {
      parts.push(`--- pane ${p.session} ${p.pid} dead=${p.dead} ${p.tag}`)
      parts.push(this.tmux(["capture-pane", "-p", "-t", `=${p.session}:`]).stdout.trim())
    }
    try {
      parts.push(`--- git log --all\n${this.git(["log", "--oneline", "--all", "-n", "30"])}`)
      for (const b of fs.readdirSync(path.join(this.repo, ".rekindle"))) {
        const log = path.join(this.repo, ".rekindle", b, "supervisor.log")
        if (fs.existsSync(log)) parts.push(`--- ${b}/supervisor.log\n${fs.readFileSync(log, "utf8").slice(-4000)}`)
      }
    } catch (e) {
      parts.push(String(e))
    }
    return parts.join("\n")
  }

  cleanup(): void {
    // Agents first (pane pids of our private server), then rekindle processes we learned, then the server.
    for (const p of this.panes()) if (alive(p.pid)) process.kill(p.pid, "SIGKILL")
    for (const pid of this.pids) {
      if (alive(pid) && cmdline(pid).includes("rekindle")) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // gone meanwhile
        }
      }
    }
    this.killServer()
    fs.rmSync(this.tmp, { recursive: true, force: true })
  }
}

/** What an agent's own config is written for: the world's temp HOME and its repository. */
export type WorldDirs = Pick<AgentWorld, "home" | "repo">

/** Run `body` in a fresh world; print the world on failure; always clean up. */
export const withAgentWorld = async (label: string, body: (w: AgentWorld) => Promise<void>): Promise<void> => {
  const w = new AgentWorld(label)
  try {
    await body(w)
    if (process.env["REKINDLE_REAL_AGENTS_DIAG"] === "1") console.error(`\n===== ${label} (passed) =====\n${w.diag()}`)
  } catch (e) {
    console.error(`\n===== real-agent world at failure (${label}) =====\n${w.diag()}\n===== end =====\n`)
    throw e
  } finally {
    w.cleanup()
  }
}
