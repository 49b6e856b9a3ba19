/**
 * Following a conversation id that changed during a run (core/domain/ConversationFollow.ts): the agent's own registry
 * entry counts only when it is the recorded process's (pid AND start time); otherwise the strictly newest transcript of
 * the task's directory since its launch; anything ambiguous keeps the recorded id.
 */
import { describe, expect, it } from "vitest"
import { followConversation, type ConversationObservation } from "../../core/domain/ConversationFollow.ts"

const CWD = "/repo/.rekindle/worktrees/b1/c1"
const agent = { pid: 4242, startTicks: "777" }
const entry = { pid: 4242, sessionId: "after-clear", procStart: "777", cwd: CWD }
const base: ConversationObservation = { agent, cwds: [CWD], transcripts: [], since: 1_000 }

describe("followConversation", () => {
  it("follows the registry entry of the recorded agent process to its new conversation", () => {
    expect(followConversation("at-launch", { ...base, registry: entry })).toEqual({
      _tag: "Change",
      from: "at-launch",
      to: "after-clear",
      source: "registry"
    })
    expect(followConversation("after-clear", { ...base, registry: entry })).toEqual({ _tag: "Keep" })
  })

  it("the registry wins over transcripts when it is the agent's own", () => {
    const transcripts = [{ id: "newest-file", writtenAt: 9_000 }]
    expect(followConversation("at-launch", { ...base, registry: entry, transcripts })).toMatchObject({
      to: "after-clear"
    })
  })

  it("never trusts an entry of another process: pid reused (other start), another pid, another directory, no start", () => {
    for (const registry of [
      { ...entry, procStart: "778" },
      { ...entry, pid: 4243 },
      { ...entry, cwd: "/elsewhere" },
      { pid: 4242, sessionId: "after-clear", cwd: CWD }
    ])
      expect(followConversation("at-launch", { ...base, registry })).toEqual({ _tag: "Keep" })
    const { agent: _unknown, ...noAgent } = base
    expect(followConversation("at-launch", { ...noAgent, registry: entry })).toEqual({ _tag: "Keep" })
  })

  it("refuses an id that is unsafe as an argv element or a file name", () => {
    for (const sessionId of ["../x", "-rf", "a/b", ""])
      expect(followConversation("at-launch", { ...base, registry: { ...entry, sessionId } })).toEqual({ _tag: "Keep" })
  })

  it("without a registry answer: the strictly newest transcript written since the launch", () => {
    const transcripts = [
      { id: "at-launch", writtenAt: 2_000 },
      { id: "after-clear", writtenAt: 3_000 },
      { id: "earlier-run", writtenAt: 900 }
    ]
    expect(followConversation("at-launch", { ...base, transcripts })).toEqual({
      _tag: "Change",
      from: "at-launch",
      to: "after-clear",
      source: "transcript"
    })
  })

  it("keeps the recorded id when the transcripts do not decide: a tie (as /clear writes both), only earlier runs, none", () => {
    const tie = [
      { id: "at-launch", writtenAt: 3_000 },
      { id: "after-clear", writtenAt: 3_000 }
    ]
    expect(followConversation("at-launch", { ...base, transcripts: tie })).toEqual({ _tag: "Keep" })
    expect(followConversation("at-launch", { ...base, transcripts: [{ id: "earlier-run", writtenAt: 999 }] })).toEqual({
      _tag: "Keep"
    })
    expect(followConversation("at-launch", base)).toEqual({ _tag: "Keep" })
    expect(followConversation("at-launch", { ...base, transcripts: [{ id: "at-launch", writtenAt: 5_000 }] })).toEqual({
      _tag: "Keep"
    })
  })
})
