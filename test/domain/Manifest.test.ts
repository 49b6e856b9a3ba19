/** Manifest validation speaks the user's language: a misspelt key gets the key it most likely meant. */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { validateManifest } from "../../core/domain/Manifest.ts"

const problems = (input: unknown): ReadonlyArray<string> => {
  const r = validateManifest(input)
  return Result.isFailure(r) ? r.failure : []
}

describe("manifest problems", () => {
  it("regression: an unknown key got no hint — maxLane, optoins, agnet now say which key they meant", () => {
    const task = { id: "a", agent: "claude", prompt: "p" }
    expect(problems({ tasks: [task], options: { maxLane: 2 } }).join("\n")).toContain(
      `["options"]["maxLane"]; did you mean "maxLanes"?`
    )
    expect(problems({ tasks: [task], optoins: {} }).join("\n")).toContain(`did you mean "options"?`)
    expect(problems({ tasks: [{ ...task, agnet: "x" }] }).join("\n")).toContain(`did you mean "agent"?`)
  })

  it("no guess when nothing is close", () => {
    expect(
      problems({ tasks: [{ id: "a", agent: "claude", prompt: "p" }], options: { colour: 1 } }).join("\n")
    ).not.toContain("did you mean")
  })
})
