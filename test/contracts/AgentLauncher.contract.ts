/**
 * Contract for the AgentLauncher port: the same assertions against the adapter over the real file
 * system (a temp dir standing in for home) and over an in-memory one.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { AgentKindSpec, AgentLauncher } from "../../core/ports/AgentLauncher.ts"
import { kindSpec, transcriptPathFor } from "../../adapters/agent/AgentLauncherFake.ts"
import { claude, codex } from "../../adapters/agent/AgentKinds.ts"
import { claudeProjectSlug } from "../../adapters/agent/TranscriptPath.ts"
import { freshEach } from "./Fresh.ts"

/** What a contract run needs from the world under test. */
export interface AgentLauncherHarness {
  /** Home directory of the machine under test (absolute, exists). */
  readonly home: string
  /** A task worktree (absolute, exists). */
  readonly cwd: string
  /** A launcher over this world, with these environment variables and configured kinds. */
  readonly launcher: (options?: {
    readonly env?: Record<string, string>
    readonly kinds?: ReadonlyArray<AgentKindSpec>
  }) => AgentLauncher["Service"]
  /** Write a file, creating parent directories. */
  readonly writeFile: (path: string, content: string | Uint8Array) => Promise<void>
  readonly cleanup: () => Promise<void>
}

const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)
const flip = <A, E>(e: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(e))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const HOSTILE = "-rf \"quoted\" 'single' $(touch /tmp/pwned) `id` ; | & \n--help\n{conversationId}"
const jsonl = (...lines: ReadonlyArray<unknown>) => lines.map((l) => `${JSON.stringify(l)}\n`).join("")

/** Register the contract tests for one implementation. */
export const agentLauncherContract = (name: string, makeHarness: () => Promise<AgentLauncherHarness>): void => {
  describe(`AgentLauncher contract: ${name}`, () => {
    const withHarness = freshEach(makeHarness)

    it(
      "lists the built-in kinds, and configured kinds replace or extend them",
      withHarness(async (h) => {
        expect(h.launcher().kinds.map((k) => k.name)).toEqual([
          "claude",
          "codex",
          "opencode",
          "aider",
          "shell",
          "pi",
          "gemini"
        ])
        const custom = h.launcher({ kinds: [kindSpec("mine"), { ...codex, executable: "/opt/codex" }] })
        expect(custom.kinds.map((k) => k.name)).toEqual([
          "claude",
          "codex",
          "opencode",
          "aider",
          "shell",
          "pi",
          "gemini",
          "mine"
        ])
        const launch = await run(custom.freshArgv({ kind: "codex", prompt: "go", cwd: h.cwd }))
        expect(launch.argv).toEqual(["/opt/codex", "--", "go"])
        const mine = await run(custom.freshArgv({ kind: "mine", prompt: "go", cwd: h.cwd }))
        expect(mine.argv).toEqual(["mine", "--id", mine.conversationId, "--", "go"])
      })
    )

    it(
      "claude: assigns a UUID up front (or uses the given one); a hostile prompt is ONE argv element after --",
      withHarness(async (h) => {
        const l = h.launcher()
        const a = await run(l.freshArgv({ kind: "claude", prompt: HOSTILE, cwd: h.cwd }))
        expect(a.conversationId).toMatch(UUID)
        expect(a.argv).toEqual(["claude", "--session-id", a.conversationId, "--", HOSTILE])
        const b = await run(l.freshArgv({ kind: "claude", prompt: "x", cwd: h.cwd }))
        expect(b.conversationId).not.toBe(a.conversationId)
        const given = await run(
          l.freshArgv({
            kind: "claude",
            prompt: "x",
            cwd: h.cwd,
            conversationId: "3f9f74a6-6b7c-4a3e-9e1d-2f1f0a9b8c7d"
          })
        )
        expect(given.conversationId).toBe("3f9f74a6-6b7c-4a3e-9e1d-2f1f0a9b8c7d")
        expect(
          (await run(l.freshArgv({ kind: "claude", prompt: "x", cwd: h.cwd, conversationId: "" }))).conversationId
        ).toMatch(UUID)
        const resumed = await run(l.resumeArgv({ kind: "claude", conversationId: a.conversationId!, cwd: h.cwd }))
        expect(resumed.argv).toEqual(["claude", "--resume", a.conversationId])
        const nudged = await run(
          l.resumeArgv({ kind: "claude", conversationId: a.conversationId!, prompt: "-continue", cwd: h.cwd })
        )
        expect(nudged.argv).toEqual(["claude", "--resume", a.conversationId, "--", "-continue"])
      })
    )

    it(
      "codex/opencode: no id at launch; resume needs the discovered id",
      withHarness(async (h) => {
        const l = h.launcher()
        const fresh = await run(l.freshArgv({ kind: "codex", prompt: "-p", cwd: h.cwd, conversationId: "ignored" }))
        expect(fresh).toEqual({ argv: ["codex", "--", "-p"], env: {} })
        expect((await flip(l.resumeArgv({ kind: "codex", cwd: h.cwd }))).reason).toBe("NoResume")
        expect(
          (await run(l.resumeArgv({ kind: "codex", conversationId: "019a-b2", prompt: "go on", cwd: h.cwd }))).argv
        ).toEqual(["codex", "resume", "019a-b2", "--", "go on"])
        expect((await run(l.freshArgv({ kind: "opencode", prompt: "--help", cwd: h.cwd }))).argv).toEqual([
          "opencode",
          "--prompt=--help"
        ])
        expect(
          (await run(l.resumeArgv({ kind: "opencode", conversationId: "ses_abc", prompt: "-go on", cwd: h.cwd }))).argv
        ).toEqual(["opencode", "run", "--session", "ses_abc", "--", "-go on"])
      })
    )

    it(
      "aider: flag form for the prompt, resume without an id",
      withHarness(async (h) => {
        const l = h.launcher()
        expect((await run(l.freshArgv({ kind: "aider", prompt: "-x\ny", cwd: h.cwd }))).argv).toEqual([
          "aider",
          "--message=-x\ny"
        ])
        expect((await run(l.resumeArgv({ kind: "aider", cwd: h.cwd }))).argv).toEqual([
          "aider",
          "--restore-chat-history"
        ])
      })
    )

    it(
      "shell: argv is the task command, the prompt only in REKINDLE_PROMPT; no resume",
      withHarness(async (h) => {
        const l = h.launcher()
        const launch = await run(
          l.freshArgv({ kind: "shell", prompt: HOSTILE, command: ["make", "test", "$(x)"], cwd: h.cwd })
        )
        expect(launch).toEqual({ argv: ["make", "test", "$(x)"], env: { REKINDLE_PROMPT: HOSTILE } })
        expect((await flip(l.freshArgv({ kind: "shell", prompt: "p", cwd: h.cwd }))).reason).toBe("Invalid")
        expect((await flip(l.resumeArgv({ kind: "shell", conversationId: "x", cwd: h.cwd }))).reason).toBe("NoResume")
      })
    )

    it(
      "refuses unknown kinds, unsafe ids, NUL bytes and unsafe configured templates",
      withHarness(async (h) => {
        const l = h.launcher({ kinds: [kindSpec("bad", { fresh: ["{prompt}"] })] })
        expect((await flip(l.freshArgv({ kind: "nope", prompt: "p", cwd: h.cwd }))).reason).toBe("UnknownKind")
        expect((await flip(l.resumeArgv({ kind: "nope", conversationId: "a", cwd: h.cwd }))).reason).toBe("UnknownKind")
        expect((await flip(l.validateTranscript({ kind: "nope", conversationId: "a", cwd: h.cwd }))).reason).toBe(
          "UnknownKind"
        )
        for (const id of ["../../etc/passwd", "-rf", "a/b", "*", ""]) {
          const e = await flip(l.resumeArgv({ kind: "claude", conversationId: id, cwd: h.cwd }))
          expect(e.reason).toBe(id === "" ? "NoResume" : "Invalid")
        }
        expect((await flip(l.freshArgv({ kind: "claude", prompt: "a\u0000b", cwd: h.cwd }))).reason).toBe("Invalid")
        expect((await flip(l.freshArgv({ kind: "bad", prompt: "p", cwd: h.cwd }))).message).toContain('"--"')
      })
    )

    it(
      "claude transcript: absent, valid, torn tail, corrupt ends, empty",
      withHarness(async (h) => {
        const l = h.launcher()
        const id = "11111111-2222-4333-8444-555555555555"
        const file = transcriptPathFor(claude, { home: h.home, cwd: h.cwd, conversationId: id })
        expect(file).toContain("/.claude/projects/")
        const check = () => run(l.validateTranscript({ kind: "claude", conversationId: id, cwd: h.cwd }))
        expect((await check()).valid).toBe(false)
        await h.writeFile(file, jsonl({ type: "user" }, { type: "assistant" }))
        expect(await check()).toMatchObject({ valid: true, path: file })
        await h.writeFile(file, `${jsonl({ type: "user" }, { type: "assistant" })}{"type":"assi`)
        expect((await check()).valid).toBe(true) // the agent died mid-write: still resumable
        await h.writeFile(file, `${jsonl({ type: "user" })}{"broken"\n`)
        expect(await check()).toMatchObject({ valid: false, reason: "last complete line is not a JSON object" })
        await h.writeFile(file, `not json\n${jsonl({ type: "user" })}`)
        expect((await check()).valid).toBe(false)
        await h.writeFile(file, `{"type":"user"}`)
        expect((await check()).valid).toBe(false)
        await h.writeFile(file, "")
        expect(await check()).toMatchObject({ valid: false, reason: "transcript is empty" })
      })
    )

    it(
      "claude transcript: only the two ends are parsed; long lines across read chunks work",
      withHarness(async (h) => {
        const l = h.launcher()
        const id = "22222222-2222-4333-8444-555555555555"
        const file = transcriptPathFor(claude, { home: h.home, cwd: h.cwd, conversationId: id })
        const big = { type: "tool_result", content: "x".repeat(300_000) }
        await h.writeFile(file, `${jsonl(big)}garbage in the middle\n${"y".repeat(2_000_000)}\n${jsonl(big)}`)
        expect((await run(l.validateTranscript({ kind: "claude", conversationId: id, cwd: h.cwd }))).valid).toBe(true)
      })
    )

    it(
      "CLAUDE_CONFIG_DIR moves the transcript root, and launches pin it in the agent's env",
      withHarness(async (h) => {
        const env = { CLAUDE_CONFIG_DIR: `${h.home}/alt-claude` }
        const l = h.launcher({ env })
        const launch = await run(l.freshArgv({ kind: "claude", prompt: "p", cwd: h.cwd }))
        expect(launch.env).toEqual(env)
        const id = launch.conversationId!
        const file = transcriptPathFor(claude, { home: h.home, env, cwd: h.cwd, conversationId: id })
        expect(file.startsWith(`${h.home}/alt-claude/projects/`)).toBe(true)
        await h.writeFile(file, jsonl({ type: "user" }))
        expect(await run(l.validateTranscript({ kind: "claude", conversationId: id, cwd: h.cwd }))).toMatchObject({
          valid: true,
          path: file
        })
        expect(
          (await run(h.launcher().validateTranscript({ kind: "claude", conversationId: id, cwd: h.cwd }))).valid
        ).toBe(false)
      })
    )

    it(
      "codex transcript: found by id in the dated rollout tree, honouring CODEX_HOME",
      withHarness(async (h) => {
        const id = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        const rel = `sessions/2026/01/02/rollout-2026-01-02T10-00-00-${id}.jsonl`
        const check = (env?: Record<string, string>) =>
          run(
            h
              .launcher(env === undefined ? {} : { env })
              .validateTranscript({ kind: "codex", conversationId: id, cwd: h.cwd })
          )
        expect((await check()).valid).toBe(false)
        await h.writeFile(`${h.home}/.codex/${rel}`, jsonl({ type: "session_meta" }, { type: "response_item" }))
        expect(await check()).toMatchObject({ valid: true, path: `${h.home}/.codex/${rel}` })
        expect((await check({ CODEX_HOME: `${h.home}/elsewhere` })).valid).toBe(false)
      })
    )

    it(
      "aider transcript is the chat history in the worktree; opencode is checked in its database, shell not at all",
      withHarness(async (h) => {
        const l = h.launcher()
        expect((await run(l.validateTranscript({ kind: "aider", conversationId: "", cwd: h.cwd }))).valid).toBe(false)
        await h.writeFile(`${h.cwd}/.aider.chat.history.md`, "# aider chat started\n")
        expect((await run(l.validateTranscript({ kind: "aider", conversationId: "", cwd: h.cwd }))).valid).toBe(true)
        expect(await run(l.validateTranscript({ kind: "shell", conversationId: "ses_1", cwd: h.cwd }))).toEqual({
          valid: false,
          reason: "no transcript check for shell"
        })
        // No OpenCode database here (or no such session in one): not resumable.
        expect((await run(l.validateTranscript({ kind: "opencode", conversationId: "ses_1", cwd: h.cwd }))).valid).toBe(
          false
        )
        expect((await run(l.validateTranscript({ kind: "claude", conversationId: "../x", cwd: h.cwd }))).valid).toBe(
          false
        )
        expect(await run(l.validateTranscript({ kind: "codex", conversationId: "", cwd: h.cwd }))).toEqual({
          valid: false,
          reason: "conversation id unknown"
        })
      })
    )

    describe("conversations the agent names itself", () => {
      const rollout = (id: string, cwd: string, at: string) =>
        `${JSON.stringify({ type: "session_meta", payload: { id, cwd, timestamp: at } })}\n{"type":"event_msg"}\n`
      it(
        "codex: the latest rollout of THIS worktree since the launch, never another worktree's or an earlier one",
        withHarness(async (h) => {
          const l = h.launcher()
          const since = Date.parse("2026-03-04T10:00:00.000Z")
          const dir = `${h.home}/.codex/sessions/2026/03/04`
          expect(await run(l.discoverConversation({ kind: "codex", cwd: h.cwd, since }))).toBeUndefined()
          await h.writeFile(
            `${dir}/rollout-a-mine-early.jsonl`,
            rollout("mine-early", h.cwd, "2026-03-04T09:00:00.000Z")
          )
          await h.writeFile(`${dir}/rollout-b-mine.jsonl`, rollout("mine", h.cwd, "2026-03-04T10:00:01.000Z"))
          await h.writeFile(`${dir}/rollout-c-other.jsonl`, rollout("other", "/elsewhere", "2026-03-04T10:00:09.000Z"))
          await h.writeFile(`${dir}/rollout-d-torn.jsonl`, '{"type":"session_meta","payload":{"id":"torn"')
          expect(await run(l.discoverConversation({ kind: "codex", cwd: h.cwd, since }))).toBe("mine")
          // A /new during the run: the later conversation in the same worktree is the one to continue.
          await h.writeFile(
            `${dir}/rollout-e-mine-later.jsonl`,
            rollout("mine-later", h.cwd, "2026-03-04T10:05:00.000Z")
          )
          expect(await run(l.discoverConversation({ kind: "codex", cwd: h.cwd, since }))).toBe("mine-later")
          // Kinds whose id rekindle assigns are never "discovered".
          expect(await run(l.discoverConversation({ kind: "claude", cwd: h.cwd, since }))).toBeUndefined()
        })
      )
      // Found against the real Codex 0.169.0: it files a rollout under its LOCAL date. Launched at 05:00 UTC from a zone
      // behind UTC (an evening in the Americas), the rollout sat in the previous day's directory, which discovery
      // skipped as "before the launch": no id was ever learned, and a crash relaunched the task fresh.
      it(
        "regression: codex in a zone behind UTC: a rollout filed under the previous local day is still found",
        withHarness(async (h) => {
          const l = h.launcher()
          const since = Date.parse("2026-03-04T05:00:00.000Z")
          await h.writeFile(
            `${h.home}/.codex/sessions/2026/03/03/rollout-2026-03-03T21-00-01-west.jsonl`,
            rollout("west", h.cwd, "2026-03-04T05:00:01.000Z")
          )
          expect(await run(l.discoverConversation({ kind: "codex", cwd: h.cwd, since }))).toBe("west")
        })
      )
      it(
        "pi: the latest session of THIS worktree since the launch; a file named before the launch is not read",
        withHarness(async (h) => {
          const l = h.launcher()
          const since = Date.parse("2026-03-04T10:00:00.000Z")
          const dir = `${h.home}/.pi/agent/sessions/--work--`
          const session = (id: string, cwd: string, at: string) =>
            `${JSON.stringify({ type: "session", id, cwd, timestamp: at })}\n`
          await h.writeFile(
            `${dir}/2026-03-04T09-00-00-000Z_early.jsonl`,
            session("early", h.cwd, "2026-03-04T09:00:00.000Z")
          )
          // Named before the launch (its header, if it were read, would say otherwise): skipped unread.
          await h.writeFile(
            `${dir}/2026-03-04T09-30-00-000Z_misnamed.jsonl`,
            session("misnamed", h.cwd, "2026-03-04T11:00:00.000Z")
          )
          await h.writeFile(
            `${dir}/2026-03-04T10-00-01-000Z_mine.jsonl`,
            session("mine", h.cwd, "2026-03-04T10:00:01.000Z")
          )
          await h.writeFile(
            `${dir}/2026-03-04T10-00-09-000Z_other.jsonl`,
            session("other", "/elsewhere", "2026-03-04T10:00:09.000Z")
          )
          expect(await run(l.discoverConversation({ kind: "pi", cwd: h.cwd, since }))).toBe("mine")
          await h.writeFile(
            `${dir}/2026-03-04T10-05-00-000Z_mine-later.jsonl`,
            session("mine-later", h.cwd, "2026-03-04T10:05:00.000Z")
          )
          expect(await run(l.discoverConversation({ kind: "pi", cwd: h.cwd, since }))).toBe("mine-later")
        })
      )

      it(
        "claude: an assigned id is followed by the agent's own process (registry by pid + start), else its newest transcript",
        withHarness(async (h) => {
          const l = h.launcher()
          const agent = { pid: 4242, startTime: "b00710ad:777", host: "h" }
          const follow = (current: string, who = agent) =>
            run(l.discoverConversation({ kind: "claude", cwd: h.cwd, since: 0, current, agent: who }))
          const entry = { pid: 4242, sessionId: "after-clear", cwd: h.cwd, procStart: "777", status: "idle" }
          await h.writeFile(`${h.home}/.claude/sessions/4242.json`, JSON.stringify(entry))
          expect(await follow("at-launch"), "/clear: the registry names the new conversation").toBe("after-clear")
          expect(await follow("after-clear"), "unchanged: nothing to record").toBeUndefined()
          expect(await follow("at-launch", { ...agent, startTime: "b00710ad:778" }), "pid reused: not ours").toBe(
            undefined
          )
          await h.writeFile(`${h.home}/.claude/sessions/4242.json`, JSON.stringify({ ...entry, cwd: "/elsewhere" }))
          expect(await follow("at-launch"), "another directory's process").toBeUndefined()
          // No registry entry for the agent: the newest transcript of THIS worktree's project directory.
          await h.writeFile(`${h.home}/.claude/projects/${claudeProjectSlug(h.cwd)}/compacted.jsonl`, "{}\n")
          await h.writeFile(`${h.home}/.claude/projects/-elsewhere/newer-elsewhere.jsonl`, "{}\n")
          expect(await follow("at-launch", { ...agent, pid: 99 })).toBe("compacted")
          // An id rekindle assigned is never "discovered" without the recorded one.
          expect(await run(l.discoverConversation({ kind: "claude", cwd: h.cwd, since: 0 }))).toBeUndefined()
        })
      )

      it(
        "preflight: an unknown kind, an unsound batch row, and a sound one",
        withHarness(async (h) => {
          const l = h.launcher()
          const unknown = await flip(l.preflight({ kind: "nope" }))
          expect(unknown.reason).toBe("UnknownKind")
          const unsound = await flip(l.preflight({ kind: "x", spec: kindSpec("x", { fresh: ["{prompt}"] }) }))
          expect(unsound.reason).toBe("Invalid")
          expect(await run(l.preflight({ kind: "shell" }))).toBeUndefined()
        })
      )
    })
  })
}
