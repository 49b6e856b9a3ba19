/**
 * The layer table (AGENTS.md): dependencies point one way,
 * core/domain ← core/ports ← core/import ← core/engine ← adapters ← cli, and nothing imports cli.
 * Every relative import of every source file is resolved and checked against the table; core/domain's
 * own, stricter rule (effect's data modules only) is test/domain/Purity.test.ts.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")

/** Layers in dependency order: a layer may import its own and earlier ones only. */
const LAYERS = [
  "core/domain",
  "core/ports",
  "core/import",
  "core/engine",
  "core/facade.ts",
  "adapters",
  "exports",
  "cli"
] as const

const layerOf = (file: string): number => LAYERS.findIndex((l) => file === l || file.startsWith(`${l}/`))

const sources = (dir: string): ReadonlyArray<string> =>
  fs.readdirSync(nodePath.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`
    return e.isDirectory() ? sources(rel) : e.name.endsWith(".ts") ? [rel] : []
  })

const importsOf = (file: string): ReadonlyArray<string> => {
  const text = fs.readFileSync(nodePath.join(ROOT, file), "utf8")
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
    nodePath.normalize(nodePath.join(nodePath.dirname(file), m[1]!))
  )
}

describe("layers", () => {
  const files = ["core", "adapters", "exports", "cli"].flatMap(sources)

  it("every source file is in a layer", () => {
    expect(files.filter((f) => layerOf(f) === -1)).toEqual([])
  })

  it("no file imports a later layer (ports never engine or adapters; import never engine; engine never adapters or cli; only cli imports cli)", () => {
    const violations = files.flatMap((f) =>
      importsOf(f).flatMap((target) => {
        const from = layerOf(f)
        const to = layerOf(target)
        return to > from ? [`${f} → ${target}`] : []
      })
    )
    expect(violations).toEqual([])
  })
})
