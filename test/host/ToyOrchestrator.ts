/**
 * A small real orchestrator that embeds rekindle the documented way: its own state file, its own
 * tmux sessions on a private socket, its own git worktrees, and rekindle only through the package
 * entry points (exports/index.ts is `rekindle`). Its jobs are a bash script that waits for a
 * `release` file in its worktree, then commits its result and writes `.done`. It never merges.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { createRekindle, type ForeignBatch, type ImportAdapter, type Rekindle } from "../../exports/index.ts"

/** One job as the host records it. The session name is decided when the run is planned. */
export interface ToyJob {
  readonly name: string
  readonly state: "queued" | "working" | "done" | "failed"
  readonly session: string
  readonly dir: string
  readonly branch: string
  readonly pid?: number
}

/** The host's whole state file. */
export interface ToyRun {
  readonly id: string
  readonly jobs: ReadonlyArray<ToyJob>
}

/** The job program: waits for `release`, commits `<name>.txt`, writes `.done`. `hup`: survives SIGHUP. */
export const JOB_SCRIPT = `#!/bin/bash
if [ "$2" = "hup" ]; then trap '' HUP; fi
while [ ! -e release ]; do sleep 0.2; done
echo "$1" > "$1.txt"
git add "$1.txt" && git commit -qm "job $1"
touch .done
`

export class ToyOrchestrator {
  readonly repo: string
  readonly socket: string
  readonly script: string
  readonly env: Readonly<Record<string, string>>

  constructor(repo: string, socket: string, script: string, env: Readonly<Record<string, string>>) {
    this.repo = repo
    this.socket = socket
    this.script = script
    this.env = env
  }

  get statePath(): string {
    return `${this.repo}/.toy/run.json`
  }

  read(): ToyRun {
    return JSON.parse(fs.readFileSync(this.statePath, "utf8")) as ToyRun
  }

  save(run: ToyRun): void {
    fs.mkdirSync(nodePath.dirname(this.statePath), { recursive: true })
    fs.writeFileSync(`${this.statePath}.tmp`, JSON.stringify(run, null, 2))
    fs.renameSync(`${this.statePath}.tmp`, this.statePath)
  }

  /** Plan a run: every job queued, its session name and worktree decided up front. */
  plan(id: string, names: ReadonlyArray<string>): void {
    this.save({
      id,
      jobs: names.map((name) => ({
        name,
        state: "queued",
        session: `toy-${name}`,
        dir: `${this.repo}/.toy/wt/${name}`,
        branch: `toy/${name}`
      }))
    })
  }

  private tmux(...args: ReadonlyArray<string>): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], {
      encoding: "utf8",
      env: { ...process.env, ...this.env }
    })
  }

  /**
   * Start a job: worktree, session, pid. `crashBeforeSave`: the host dies right after `new-session`,
   * before it records the job as working.
   */
  start(name: string, options: { readonly hup?: boolean; readonly crashBeforeSave?: boolean } = {}): void {
    const run = this.read()
    const job = run.jobs.find((j) => j.name === name)!
    execFileSync("git", ["-C", this.repo, "worktree", "add", "-q", "-b", job.branch, job.dir, "main"], {
      env: { ...process.env, ...this.env }
    })
    const argv = ["bash", this.script, name, ...(options.hup === true ? ["hup"] : [])]
    this.tmux("new-session", "-d", "-s", job.session, "-c", job.dir, "--", ...argv)
    if (options.crashBeforeSave === true) return
    const pid = Number(this.tmux("display-message", "-p", "-t", `=${job.session}:`, "#{pane_pid}").trim())
    this.save({ ...run, jobs: run.jobs.map((j) => (j.name === name ? { ...j, state: "working", pid } : j)) })
  }

  /** Let a job finish. */
  release(name: string): void {
    const job = this.read().jobs.find((j) => j.name === name)!
    fs.writeFileSync(`${job.dir}/release`, "")
  }

  /** The host's monitor pass: a job whose `.done` exists is done. */
  reap(): void {
    const run = this.read()
    this.save({
      ...run,
      jobs: run.jobs.map((j) => (fs.existsSync(`${j.dir}/.done`) ? { ...j, state: "done" } : j))
    })
  }

  /** The tmux server (this host's private socket) dies, and every session with it. */
  killServer(): void {
    spawnSync("tmux", ["-L", this.socket, "kill-server"], { stdio: "ignore" })
  }

  /** The integration: the host's state as rekindle's facts (about 20 lines, as docs/embedding.md shows). */
  adapter(): ImportAdapter<ToyRun> {
    return {
      name: "toy",
      location: this.statePath,
      read: async (io) => {
        const text = await io.readText(this.statePath)
        return text === undefined ? undefined : (JSON.parse(text) as ToyRun)
      },
      map: (run): ForeignBatch => ({
        source: "toy",
        batchId: run.id,
        repoRoot: this.repo,
        baseBranch: "main",
        phase: "executing",
        createdAt: 0,
        updatedAt: 0,
        tmuxSocket: this.socket,
        agent: "shell",
        tasks: run.jobs.map((j) => ({
          id: j.name,
          status:
            j.state === "done"
              ? "succeeded"
              : j.state === "working"
                ? "running"
                : j.state === "failed"
                  ? "failed"
                  : "pending",
          command: ["bash", this.script, j.name],
          session: j.session,
          worktree: j.dir,
          branch: j.branch,
          doneMarker: `${j.dir}/.done`,
          ...(j.pid === undefined ? {} : { agentProcess: { pid: j.pid } })
        }))
      })
    }
  }

  rekindle(): Rekindle {
    return createRekindle({ repo: this.repo, tmuxSocket: this.socket })
  }
}
