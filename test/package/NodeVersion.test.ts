/**
 * The bin on a Node that is too old says so in one line and exits 1 (it printed a raw
 * ERR_UNKNOWN_FILE_EXTENSION stack trace on the machines' Node 20).
 */
import { spawnSync } from "node:child_process"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"
// @ts-expect-error: a plain JavaScript module of the bin (no declarations: it must load on any Node).
import { tooOld, tooOldMessage } from "../../bin/node-version.js"

const BIN = nodePath.resolve(import.meta.dirname, "../../bin/rekindle.js")

describe("the bin's Node version guard", () => {
  it("versions below 22.19 are too old, 22.19 and later are not", () => {
    for (const v of ["20.20.2", "v22.18.0", "18.0.0", "22.9.1"]) expect(tooOld(v), v).toBe(true)
    for (const v of ["22.19.0", "v24.21.0", "23.0.0", "22.20.1"]) expect(tooOld(v), v).toBe(false)
    expect(tooOldMessage("v20.20.2")).toMatch(/^rekindle needs Node >= 22\.19; this is Node 20\.20\.2\. /)
  })

  it("regression: under an older Node on PATH the bin printed a stack trace — now one line, exit 1", () => {
    const system = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" })
    // The machines carry Node 20 at /usr/bin/node; where another Node is there, the pure test above speaks.
    if (system.status !== 0 || !tooOld(system.stdout.trim())) return
    const r = spawnSync("/usr/bin/node", [BIN, "--version"], { encoding: "utf8", timeout: 30_000 })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr.trim().split("\n")).toEqual([tooOldMessage(system.stdout.trim())])
  })
})
