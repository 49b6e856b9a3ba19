/**
 * Fuzzed manifests (issue 8): arbitrary JSON and structured manifests full of hostile strings never
 * make the decoder throw; what it accepts only holds safe ids and launchable text; and for every
 * accepted manifest the initial state and the recovery plan built from it on the FakeWorld (wave 1
 * launched, then a crash) name no path outside `<repo>/.rekindle/` — worktrees only under
 * `.rekindle/worktrees/<batch>/` — and only the batch's own sessions and branches; a done marker is
 * seen whatever the task is called (ids such as `__proto__` included).
 */
import fc from "fast-check"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { SAFE_ID_PATTERN } from "../../core/domain/Ids.ts"
import { validateManifest } from "../../core/domain/Manifest.ts"
import { decodeOutcome, DISTURBANCES, planEscapes } from "./fuzz.ts"
import { acceptedManifest, anyJson, structuredManifest } from "./inputs.ts"

const bytes = (s: string) => Buffer.byteLength(s, "utf8")

describe("fuzzed manifests", () => {
  it("the decoder never throws, on any JSON or any hostile structured manifest", () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, structuredManifest), (input) => {
        expect(decodeOutcome(input).crash).toBeUndefined()
      }),
      { numRuns: 1000 }
    )
  })

  it("whatever it accepts holds only safe ids, and prompts and argv a launch can carry", () => {
    fc.assert(
      fc.property(fc.oneof(structuredManifest, acceptedManifest), (input) => {
        const r = validateManifest(input)
        if (Result.isFailure(r)) return
        const { tasks, options } = r.success.manifest
        for (const id of [options?.batchId, ...tasks.flatMap((t) => [t.id, t.lane, ...(t.dependsOn ?? [])])]) {
          if (id !== undefined) expect(id).toMatch(SAFE_ID_PATTERN)
        }
        for (const t of tasks) {
          const text = [typeof t.prompt === "string" ? t.prompt : "", ...(t.command ?? [])]
          expect(text.some((s) => s.includes("\u0000"))).toBe(false)
          expect(text.reduce((n, s) => n + bytes(s), 0)).toBeLessThanOrEqual(8192)
          if (t.command !== undefined) expect(t.command[0]).not.toBe("")
        }
      }),
      { numRuns: 500 }
    )
  })

  it("no accepted manifest leads to a state or plan naming a path outside .rekindle, or a session or branch not its own", async () => {
    await fc.assert(
      fc.asyncProperty(acceptedManifest, fc.constantFrom(...DISTURBANCES), async (manifest, disturbance) => {
        const r = await planEscapes(manifest, disturbance)
        expect(r.error).toBeUndefined()
        expect(r.escapes).toEqual([])
        if (disturbance === "marker-written") expect(r.markedAs).toBe("mark-complete")
      }),
      { numRuns: 120 }
    )
  }, 120_000)

  it("regression: a task named __proto__ had its done marker ignored (observe's `markers[id] = …` set the record's prototype), so resume reconnected instead of completing it", async () => {
    const manifest = {
      tasks: [
        { id: "__proto__", agent: "claude", prompt: "p" },
        { id: "constructor", agent: "shell", prompt: "q", command: ["true"] }
      ],
      options: { batchId: "b1" }
    }
    const r = await planEscapes(manifest, "marker-written")
    expect({ escapes: r.escapes, error: r.error, markedAs: r.markedAs }).toEqual({
      escapes: [],
      error: undefined,
      markedAs: "mark-complete"
    })
    expect(r.steps).toContain("MarkTask")
  })
})
