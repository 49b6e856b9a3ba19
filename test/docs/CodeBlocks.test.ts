/**
 * The documentation's code compiles: every ```ts block of README.md and docs/*.md is written to its
 * own module in a temp project whose `rekindle`, `rekindle/core`, `rekindle/node` and
 * `rekindle/testing` resolve to this repo's entry files, and the whole set is typechecked with the
 * repo's strict compiler options. A failure names the Markdown file and line. (Artifact.test.ts
 * typechecks the same blocks against the packed package.)
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ENTRY } from "../package/surface.ts"
import { docBlocks, toDocLines, writeBlocks } from "./blocks.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")

const blocks = docBlocks(ROOT)
const dirs: Array<string> = []
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe("ts code blocks of README.md and docs/*.md", () => {
  it("the embedding guide has its examples, each under 30 lines", () => {
    expect(blocks.filter((b) => b.file === "docs/embedding.md").length).toBeGreaterThanOrEqual(5)
    expect(blocks.length).toBeGreaterThanOrEqual(5)
    for (const b of blocks) expect(b.code.split("\n").length, `${b.file}:${b.line}`).toBeLessThan(30)
  })

  it("every ts block typechecks against the sources under the repo's strict options", () => {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-docs-"))
    dirs.push(dir)
    fs.symlinkSync(nodePath.join(ROOT, "node_modules"), nodePath.join(dir, "node_modules"))
    fs.writeFileSync(nodePath.join(dir, "package.json"), JSON.stringify({ type: "module" }))
    const files = writeBlocks(dir, blocks)
    const paths = Object.fromEntries(Object.entries(ENTRY).map(([sub, file]) => [sub, [nodePath.join(ROOT, file)]]))
    fs.writeFileSync(
      nodePath.join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: nodePath.join(ROOT, "tsconfig.json"),
        compilerOptions: { noEmit: true, paths },
        include: files
      })
    )
    const tsc = spawnSync(nodePath.join(ROOT, "node_modules/.bin/tsc"), ["-p", nodePath.join(dir, "tsconfig.json")], {
      encoding: "utf8",
      timeout: 120_000
    })
    expect(toDocLines(`${tsc.stdout}${tsc.stderr}`, blocks).trim()).toBe("")
    expect(tsc.status).toBe(0)
  }, 150_000)
})
