/**
 * Per-task agent settings in the manifest: extra `args` and `env`, and the batch's own agent kinds in
 * `options.agents`. Every bad input is a problem naming its field; a good one decodes.
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { validateManifest } from "../../core/domain/Manifest.ts"

const problems = (input: unknown): ReadonlyArray<string> => {
  const r = validateManifest(input)
  return Result.isFailure(r) ? r.failure : []
}

const myAgent = {
  name: "myagent",
  executable: "myagent",
  fresh: ["--session-name", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  resume: ["--continue", "{conversationId}"],
  conversation: "assigned",
  transcript: { type: "file", root: { default: "~/.myagent" }, path: "{conversationId}.jsonl", format: "jsonl" }
}

describe("per-task agent settings", () => {
  it("args, env and a user-defined kind decode", () => {
    const manifest = {
      tasks: [
        { id: "a", agent: "codex", prompt: "p", args: ["--model", "o4-mini"], env: { OPENAI_API_KEY: "k" } },
        { id: "b", agent: "myagent", prompt: "p" }
      ],
      options: { agents: [myAgent] }
    }
    const r = validateManifest(manifest)
    expect(Result.isSuccess(r) ? r.success.manifest.tasks[0]?.args : r.failure).toEqual(["--model", "o4-mini"])
  })

  it("an unknown kind names tasks[i].agent and the known kinds", () => {
    expect(problems({ tasks: [{ id: "a", agent: "gpt", prompt: "p" }] })).toEqual([
      'tasks[0].agent: unknown agent kind "gpt" (known: claude, codex, opencode, aider, shell, pi, gemini; add your own in options.agents)'
    ])
  })

  it("a kind that names its conversation but has no resume template is refused, naming the row's field", () => {
    const { resume: _, ...noResume } = myAgent
    expect(problems({ tasks: [{ id: "a", agent: "myagent", prompt: "p" }], options: { agents: [noResume] } })).toEqual([
      'options.agents[0].resume: conversation "assigned" needs a resume template'
    ])
  })

  it("a malformed options.agents row is refused, naming the field", () => {
    const bad = { ...myAgent, conversation: "sometimes" }
    const found = problems({ tasks: [{ id: "a", agent: "claude", prompt: "p" }], options: { agents: [bad] } })
    expect(found.join("\n")).toContain(`["options"]["agents"][0]["conversation"]`)
    const unsafe = { ...myAgent, fresh: ["{prompt}"] }
    expect(
      problems({ tasks: [{ id: "a", agent: "claude", prompt: "p" }], options: { agents: [unsafe] } }).join("\n")
    ).toContain('options.agents[0].fresh: a prompt starting with "-" would be read as an option')
    const twice = problems({
      tasks: [{ id: "a", agent: "claude", prompt: "p" }],
      options: { agents: [myAgent, myAgent] }
    })
    expect(twice).toEqual(['options.agents[1].name: agent kind "myagent" is defined twice'])
  })

  it("env: only variable names, never rekindle's own REKINDLE_*; no NUL anywhere", () => {
    const task = (env: unknown) => ({ tasks: [{ id: "a", agent: "claude", prompt: "p", env }] })
    expect(problems(task({ "BAD NAME": "x" })).join("\n")).toContain(`["tasks"][0]["env"]["BAD NAME"]`)
    expect(problems(task({ REKINDLE_DONE_FILE: "/tmp/x" })).join("\n")).toContain(
      `["tasks"][0]["env"]["REKINDLE_DONE_FILE"]`
    )
    expect(problems(task({ A: "x\u0000y" })).join("\n")).toContain("NUL")
    expect(problems({ tasks: [{ id: "a", agent: "claude", prompt: "p", args: ["a\u0000"] }] }).join("\n")).toContain(
      "NUL"
    )
  })

  it("args are not for a kind whose argv is the task's command", () => {
    expect(problems({ tasks: [{ id: "a", agent: "shell", prompt: "p", command: ["true"], args: ["-x"] }] })).toEqual([
      'tasks[0].args: agent "shell" runs the task\'s "command" as is; put arguments there'
    ])
  })

  it("a misspelt task key is matched against the new keys too", () => {
    expect(problems({ tasks: [{ id: "a", agent: "claude", prompt: "p", agrs: [] }] }).join("\n")).toContain(
      'did you mean "args"?'
    )
  })
})
