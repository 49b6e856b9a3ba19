/**
 * What an outside tester, given only the README, broke on the real machine — pinned here the same
 * way: the CLI alone, real tmux + git, assertions on the world.
 * 1. `repair --all` in one repo killed the live agent of another repo's batch on the same server.
 * 2. With `doneMarker: "worktree"`, an agent's `git add -A` committed its marker; merged, it came back
 *    in the next task's checkout and completed that task before it did its work.
 * 3. An agent's unterminated last line (`printf 'final answer: 42'`) never reached supervised.jsonl.
 * 4. A `run --detached` refused because the manifest's batch was unfinished left `.rekindle/<id>/`.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { BIN, NODE, alive, childEnv, waitFor, withWorld } from "./cli.ts"

/** An agent that works, writes its marker, then commits with `git add -A` and prints a last line without a newline. */
const COMMITTING_AGENT = `#!/bin/sh
task="$1"; runs="$2"
echo "start $task $$" >> "$runs"
sleep 1
echo "$task" > "$task.txt"
: > "$REKINDLE_DONE_FILE"
git add -A >/dev/null 2>&1
git -c user.name=oe -c user.email=oe@example.invalid commit -q -m "task $task" >/dev/null 2>&1
echo "done $task $$" >> "$runs"
printf 'final answer: 42'
`

describe("black-box: what the outside tester broke", () => {
  test("regression: a worktree done marker committed by one task does not complete the next; the last unterminated line is logged", async () => {
    await withWorld("worktree-marker", async (w) => {
      const agent = path.join(w.tmp, "committing-agent.sh")
      fs.writeFileSync(agent, COMMITTING_AGENT, { mode: 0o755 })
      const manifest = path.join(w.tmp, "marker.json")
      const task = (id: string, dependsOn: ReadonlyArray<string>) => ({
        id,
        agent: "shell",
        prompt: id,
        command: ["/bin/sh", agent, id, w.runsLog],
        dependsOn
      })
      fs.writeFileSync(
        manifest,
        JSON.stringify({
          tasks: [task("a", []), task("b", ["a"])],
          options: { tmuxSocket: w.socket, doneMarker: "worktree", batchId: "wm" }
        })
      )
      const r = await w.cli(["run", manifest, "--json"], 90_000)
      expect(r.timedOut).toBe(false)
      const runs = fs.readFileSync(w.runsLog, "utf8")
      expect(runs, "b's agent did its work to the end").toMatch(/^done b /m)
      const mainFiles = w.git(["ls-tree", "-r", "--name-only", "main"]).split("\n")
      expect(mainFiles).toContain("a.txt")
      expect(mainFiles).toContain("b.txt")
      expect(mainFiles, "the marker was never committed").not.toContain(".rekindle-done")
      const sink = fs.readFileSync(path.join(w.repo, ".rekindle/wm/logs/supervised.jsonl"), "utf8")
      const lines = sink
        .split("\n")
        .filter((l) => l !== "")
        .flatMap((l) =>
          (JSON.parse(l) as { data?: { task?: string; lines?: Array<string> } }).data?.task === "a"
            ? (JSON.parse(l) as { data: { lines: Array<string> } }).data.lines
            : []
        )
      expect(
        lines.filter((l) => l === "final answer: 42"),
        "a's last, unterminated line, once"
      ).toHaveLength(1)
    })
  }, 120_000)

  test("regression: repair --all in one repo never touches another repo's batch on the same tmux server", async () => {
    await withWorld("two-repos", async (w) => {
      const manifest = w.manifest("long.json", [{ id: "a", a: 200, b: 0.1 }])
      const started = await w.runDetached(manifest)
      const batchId = started.batchId!
      w.remember(started.pid)
      const agentPid = await waitFor(
        "A's agent to start",
        () => w.panes().find((p) => p.tag === `${batchId}/a` && !p.dead)?.pid,
        30_000
      )
      // Repo B: another repository on the same machine and the same server, no batch of its own.
      const other = path.join(w.tmp, "other")
      fs.mkdirSync(other)
      spawnSync("git", ["init", "-q", "-b", "main", other])
      spawnSync("git", [
        "-C",
        other,
        "-c",
        "user.name=oe",
        "-c",
        "user.email=oe@example.invalid",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "init"
      ])
      const repair = spawnSync(
        NODE,
        [BIN, "repair", "--all", "--yes", "--json", "--socket", w.socket, "--repo", other],
        { cwd: other, env: childEnv(), encoding: "utf8", timeout: 60_000 }
      )
      expect(repair.status).toBe(0)
      expect(alive(agentPid), "A's agent lives on").toBe(true)
      expect(
        w.panes().some((p) => p.tag === `${batchId}/a` && p.pid === agentPid && !p.dead),
        "A's session is untouched"
      ).toBe(true)
      expect(fs.readFileSync(w.runsLog, "utf8").match(/^start a /gm), "A's agent started once").toHaveLength(1)
    })
  }, 120_000)

  test("regression: a refused run --detached leaves no stray batch directory behind", async () => {
    await withWorld("stray-dir", async (w) => {
      const manifest = w.manifest("slow.json", [{ id: "a", a: 60, b: 0.1 }])
      const first = await w.runDetached(manifest)
      w.remember(first.pid)
      const second = await w.cli(["run", manifest, "--detached", "--json"], 60_000)
      expect(second.code).toBe(1)
      expect(second.stdout).toContain("E_UNFINISHED_BATCH")
      const dirs = fs.readdirSync(path.join(w.repo, ".rekindle")).filter((n) => n !== "worktrees" && !n.startsWith("."))
      expect(dirs).toEqual([first.batchId])
    })
  }, 120_000)
})
