/**
 * Exact tmux targets on a real private server (issue 8): sessions whose names prefix each other
 * (`rk-hx-a` missing next to `rk-hx-ab`, a user's `rk-hx` next to rekindle's `rk-hx-…`) and names
 * that look like options (`-t`, `--`). Every Tmux port operation touches exactly its target.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { exactTargets, type TargetReport } from "./targets.ts"

let r: TargetReport
beforeAll(async () => {
  r = await exactTargets()
}, 60_000)

describe("exact tmux targets", () => {
  it("kill, send, keys, capture, pipe and status on a missing prefix name fail NotFound and touch nothing else", () => {
    expect(r.wrongTouched).toEqual([])
    expect(r.refused).toBe(18)
  })

  it("regression: send-keys read a key starting with '-' as an option (`-X` failed 'not in a mode'); option-like session names are targeted exactly", () => {
    expect(r.optionInjected).toEqual([])
  })
})
