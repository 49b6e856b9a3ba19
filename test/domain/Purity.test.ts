/**
 * core/domain is pure: it may import only effect's data modules and its own files. This test reads
 * every source file under core/domain, core/domain/internal/ (the decide path's performance machinery)
 * included, and fails on any other import (Effect, Context, Layer, Stream,
 * node:*, another top-level folder, the effect barrel) and on ambient I/O or nondeterminism.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const DOMAIN = path.join(import.meta.dirname, "../../core/domain")

/** effect modules the domain may use: data only. */
export const ALLOWED_EFFECT_MODULES = new Set([
  "Schema",
  "Data",
  "Option",
  "Result",
  "Array",
  "Order",
  "Match",
  "Function",
  "Predicate",
  "Duration"
])

/** Every module specifier a file imports or re-exports (static and dynamic). */
export const importsOf = (source: string): ReadonlyArray<string> => {
  const specs: Array<string> = []
  const re =
    /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g
  for (const m of source.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!)
  return specs
}

/** Why `spec`, imported by a file in `fromDir`, is forbidden in core/domain, or undefined when it is allowed. */
export const forbiddenImport = (spec: string, fromDir: string = DOMAIN): string | undefined => {
  if (spec.startsWith(".")) {
    const rel = path.relative(DOMAIN, path.resolve(fromDir, spec))
    if (rel.startsWith("..")) return "leaves core/domain"
    return rel.includes("/") && !rel.startsWith("internal/")
      ? "reaches into a subfolder other than internal/"
      : undefined
  }
  const m = /^effect\/([A-Za-z]+)$/.exec(spec)
  if (m !== null) return ALLOWED_EFFECT_MODULES.has(m[1]!) ? undefined : `effect/${m[1]} is not a data module`
  return spec === "effect" ? "the effect barrel pulls in Effect/Layer/Stream" : "not an allowed module"
}

/** Ambient effects a pure file must not touch. */
const AMBIENT = [
  /\bDate\.now\(/,
  /\bnew Date\(/,
  /\bMath\.random\(/,
  /\bprocess\./,
  /\bperformance\.now\(/,
  /\bcrypto\./,
  /\bsetTimeout\(/,
  /\bconsole\./
]

const files = [DOMAIN, path.join(DOMAIN, "internal")].flatMap((dir) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f))
)

describe("core/domain purity", () => {
  it("has source files to check", () => expect(files.length).toBeGreaterThan(5))

  it("covers core/domain/internal/", () =>
    expect(files.filter((f) => f.includes(`${path.sep}internal${path.sep}`)).length).toBeGreaterThan(3))

  it.each(files.map((f) => [path.relative(DOMAIN, f), f]))(
    "%s imports only effect data modules and domain files",
    (_, file) => {
      const bad = importsOf(fs.readFileSync(file, "utf8")).flatMap((s) => {
        const why = forbiddenImport(s, path.dirname(file))
        return why === undefined ? [] : [`${s}: ${why}`]
      })
      expect(bad).toEqual([])
    }
  )

  it.each(files.map((f) => [path.relative(DOMAIN, f), f]))(
    "%s uses no clock, randomness, process or console",
    (_, file) => {
      const code = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")
      expect(AMBIENT.filter((re) => re.test(code)).map(String)).toEqual([])
    }
  )

  it("the checker itself rejects forbidden imports (so a regression cannot pass silently)", () => {
    const probe = `import * as Effect from "effect/Effect"\nimport { Layer } from "effect"\nimport * as fs from "node:fs"\nimport { x } from "../ports/Tmux.ts"\nexport * from "./Ok.ts"\nimport * as S from "effect/Schema"`
    expect(importsOf(probe).map((s) => [s, forbiddenImport(s) !== undefined])).toEqual([
      ["effect/Effect", true],
      ["effect", true],
      ["node:fs", true],
      ["../ports/Tmux.ts", true],
      ["./Ok.ts", false],
      ["effect/Schema", false]
    ])
    expect(forbiddenImport("./internal/IdTable.ts")).toBeUndefined()
    expect(forbiddenImport("../State.ts", path.join(DOMAIN, "internal"))).toBeUndefined()
    expect(forbiddenImport("../../ports/Tmux.ts", path.join(DOMAIN, "internal"))).toBeDefined()
  })
})
