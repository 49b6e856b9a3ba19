/**
 * `rekindle run <hostile manifest>` as the user runs it (the real CLI in its own process, argv only),
 * in one temp repo with a private tmux socket: what the user saw (exit code, E_ code, the problem
 * lines) and whether anything changed — every file under the temp dir (repo and .git included,
 * compared by path, size, mode and mtime), branches, worktrees, a tmux server on the socket, and
 * the `pwned` file any executed injection would have created.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { runCli as runCliIn, sh } from "../support/real/cli.ts"
import { GIT_ENV } from "../support/real/repo.ts"
import { freshSocket, killServer, sessionNames } from "../support/real/socket.ts"

/** What one `rekindle run` of a manifest showed and changed. */
export interface RunOutcome {
  readonly exitCode: number
  readonly errorCode: string | undefined
  readonly problems: ReadonlyArray<string>
  /** stderr when stdout was not the JSON error document (a crash, say). */
  readonly stderr: string
  /** Paths added, removed or modified anywhere under the temp dir. */
  readonly changed: ReadonlyArray<string>
  /** Sessions that exist on the private socket afterwards. */
  readonly sessions: ReadonlyArray<string>
  /** Whether an injected `touch …/pwned` ran. */
  readonly pwned: boolean
}

const listing = (root: string): Map<string, string> => {
  const out = new Map<string, string>()
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = nodePath.join(dir, name)
      const st = fs.lstatSync(p)
      out.set(p, `${st.size} ${st.mode} ${st.mtimeMs}`)
      if (st.isDirectory()) walk(p)
    }
  }
  walk(root)
  return out
}

const diff = (a: Map<string, string>, b: Map<string, string>): ReadonlyArray<string> =>
  [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort()

/**
 * Run the CLI in `cwd` (argv only, asynchronously so two can share the machine's two cores). A command
 * that has not ended after `timeoutMs` (one that wrongly went on to supervise a batch, say) is
 * SIGKILLed and reported with code -1.
 */
export const runCli = (args: ReadonlyArray<string>, cwd: string, timeoutMs = 120_000) =>
  runCliIn(args, timeoutMs, cwd).then((r) => ({ code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr }))

/** A temp repo (one commit on main) where hostile manifests are run one after another. */
export class HostileRepo {
  readonly base = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-hostile-")))
  readonly repo = nodePath.join(this.base, "repo")
  readonly socket = freshSocket()
  /** The file an executed injection would create (`PWNED` in the inputs is replaced by it). */
  readonly pwned = nodePath.join(this.base, "pwned")
  private count = 0

  constructor() {
    fs.mkdirSync(this.repo)
    sh("git", ["init", "-q", "-b", "main"], this.repo, GIT_ENV)
    fs.writeFileSync(nodePath.join(this.repo, "README.md"), "hostile\n")
    sh("git", ["add", "-A"], this.repo, GIT_ENV)
    sh("git", ["commit", "-q", "-m", "init"], this.repo, GIT_ENV)
  }

  /** `value` with every `PWNED` marker pointing at this repo's pwned file. */
  arm(value: string): string {
    return value.replaceAll("PWNED", this.pwned)
  }

  /** Run `rekindle run <manifest> --json` in the repo and report what it showed and changed. */
  async run(manifest: unknown): Promise<RunOutcome> {
    // Each manifest gets its own directory outside the repo: writing it is not a change rekindle made.
    const dir = nodePath.join(this.base, `m${this.count++}`)
    fs.mkdirSync(dir)
    const file = nodePath.join(dir, "manifest.json")
    fs.writeFileSync(file, JSON.stringify(manifest))
    const before = listing(this.repo)
    const r = await runCli(["run", file, "--json", "--repo", this.repo], this.repo)
    let errorCode: string | undefined
    let problems: ReadonlyArray<string> = []
    try {
      const doc = JSON.parse(r.stdout) as { error?: { code?: string; details?: { problems?: ReadonlyArray<string> } } }
      errorCode = doc.error?.code
      problems = doc.error?.details?.problems ?? []
    } catch {
      errorCode = undefined
    }
    return {
      exitCode: r.code,
      errorCode,
      problems,
      stderr: r.stderr,
      changed: diff(before, listing(this.repo)),
      sessions: sessionNames(this.socket),
      pwned: fs.existsSync(this.pwned)
    }
  }

  /** Kill the private server (if an accepted run started one) and remove the temp dir. */
  cleanup(): void {
    killServer(this.socket)
    fs.rmSync(this.base, { recursive: true, force: true })
  }
}
