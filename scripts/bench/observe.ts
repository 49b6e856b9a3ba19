/**
 * B1 observe: real tmux (private socket) and a real repo with N task sessions and N worktrees.
 * Three figures per N, alternated in one run: rekindle's `observe`; the per-task baseline exactly as
 * peers do it (one `tmux has-session -t =name` per task, one existence check per worktree path, one
 * `git status --porcelain` per worktree); and the floor (one `list-panes -a` + one
 * `worktree list --porcelain -z` + one process snapshot, spawned and read, nothing else).
 */
import * as Effect from "effect/Effect"
import { execFile, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { promisify } from "node:util"
import { ownershipTag, sessionNameFor, worktreeFor, type BatchState, type Task } from "../../core/domain/index.ts"
import { observe } from "../../core/engine/support/Observe.ts"
import * as Node from "../../adapters/node.ts"
import { alternate } from "./stats.ts"

const run = promisify(execFile)
const BATCH = "bench"
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@b",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@b"
}

/** One B1 result row. */
export interface ObserveRow {
  readonly n: number
  readonly rekindleMs: number
  readonly baselineMs: number
  readonly floorMs: number
}

/** Set up N sessions + worktrees once, measure `rounds` alternations, clean up. */
export const benchObserve = async (n: number, rounds: number): Promise<ObserveRow> => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-bench-"))
  const repo = nodePath.join(dir, "repo")
  const socket = `rekindle-bench-${process.pid}-${n}`
  const tmux = (...args: Array<string>) => execFileSync("tmux", ["-L", socket, ...args], { stdio: "ignore" })
  try {
    fs.mkdirSync(repo)
    execFileSync("git", ["-C", repo, "init", "-q", "-b", "main"], { env: GIT_ENV })
    fs.writeFileSync(nodePath.join(repo, "README.md"), "bench\n")
    execFileSync("git", ["-C", repo, "add", "-A"], { env: GIT_ENV })
    execFileSync("git", ["-C", repo, "commit", "-q", "-m", "init"], { env: GIT_ENV })
    const tasks: Array<Task> = []
    tmux("new-session", "-d", "-s", "bench-keepalive", "sleep", "86400")
    for (let i = 0; i < n; i++) {
      const id = `t${i}`
      const worktree = worktreeFor(repo, BATCH, id)
      execFileSync(
        "git",
        ["-C", repo, "worktree", "add", "-q", "-b", `rekindle/${BATCH}/${id}`, "--", worktree, "main"],
        { env: GIT_ENV, stdio: "ignore" }
      )
      tmux(
        "new-session",
        "-d",
        "-s",
        sessionNameFor(BATCH, id),
        "-c",
        worktree,
        "sleep",
        "86400",
        ";",
        "set-option",
        "-p",
        "@rekindle_task",
        ownershipTag(BATCH, id)
      )
      tasks.push({
        id,
        status: "running",
        dependsOn: [],
        agent: "shell",
        prompt: "",
        attempts: 1,
        session: sessionNameFor(BATCH, id),
        worktree,
        branch: `rekindle/${BATCH}/${id}`,
        startedAt: 1
      })
    }
    const state: BatchState = {
      version: 1,
      batchId: BATCH,
      phase: "executing",
      repoRoot: repo,
      baseBranch: "main",
      waves: [tasks.map((t) => t.id)],
      tasks,
      lanes: [],
      merges: [],
      counters: {},
      errors: [],
      logCheckpoints: {},
      prompts: [],
      createdAt: 0,
      updatedAt: 0
    }
    const layer = Node.layer({ socket })
    const rekindle = () => Effect.runPromise(observe(state).pipe(Effect.provide(layer)))
    const baseline = async () => {
      for (const t of tasks) {
        await run("tmux", ["-L", socket, "has-session", "-t", `=${t.session}`]).catch(() => undefined)
        fs.existsSync(t.worktree!)
        await run("git", ["-C", t.worktree!, "status", "--porcelain"], { env: GIT_ENV })
      }
    }
    const floor = () =>
      Promise.all([
        run(
          "tmux",
          [
            "-u",
            "-L",
            socket,
            "list-panes",
            "-a",
            "-F",
            "#{session_name}\u001f#{pane_id}\u001f#{pane_pid}\u001f#{pane_dead}\u001f#{@rekindle_task}"
          ],
          { maxBuffer: 64 << 20 }
        ),
        run("git", ["-C", repo, "worktree", "list", "--porcelain", "-z"], { maxBuffer: 64 << 20, env: GIT_ENV }),
        run("ps", ["-A", "-o", "pid=,ppid=,lstart=,args="], { maxBuffer: 64 << 20 })
      ])
    // The baseline grows with N: fewer rounds keep the run bounded without changing the median much.
    const m = await alternate({ rekindle, baseline, floor }, n >= 1000 ? Math.max(3, Math.floor(rounds / 3)) : rounds)
    return { n, rekindleMs: m["rekindle"]!, baselineMs: m["baseline"]!, floorMs: m["floor"]! }
  } finally {
    try {
      tmux("kill-server")
    } catch {
      /* already gone */
    }
    // A server that had to hang up hundreds of panes may leave its socket file: ours by name, remove it.
    fs.rmSync(nodePath.join(process.env["TMUX_TMPDIR"] ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
      force: true
    })
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
