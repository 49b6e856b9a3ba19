/**
 * No export nobody imports. Every name a source file under core/, adapters/ or cli/ exports must be
 * imported by another file (sources, tests, scripts) or be public: reachable from a package entry
 * (exports/*.ts) through `export *` or a named re-export. An unused export is dead code or a module
 * boundary drawn in the wrong place; unexport it (or delete it) instead of listing it here.
 *
 * The check reads import and export statements (named, namespace `X.name`, `export *`, dynamic
 * `import()`), resolves each relative specifier to its file, and compares.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const SOURCES = ["core", "adapters", "cli"]
const USERS = [...SOURCES, "exports", "test", "scripts", "bin"]

const walk = (dir: string): ReadonlyArray<string> =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = nodePath.join(dir, e.name)
        if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(full)
        return /\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [full] : []
      })
    : []

const strip = (code: string): string => code.replace(/\/\*[\s\S]*?\*\/|(?<![:"'`\\])\/\/.*$/gm, "")

/** The names a file declares as exported (not re-exports). */
const declaredExports = (code: string): ReadonlyArray<string> => [
  ...[
    ...code.matchAll(
      /^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm
    )
  ].map((m) => m[1]!),
  ...[...code.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)].flatMap((m) =>
    m[1]!
      .split(",")
      .map((s) => s.trim().replace(/^type\s+/, ""))
      .filter((s) => s !== "")
      .map((s) => s.split(/\s+as\s+/).pop()!)
  )
]

interface Use {
  /** Names used from `file`, or "*" for every name. */
  readonly names: ReadonlySet<string> | "*"
  readonly file: string
  /** `export * from` (the names pass through to the re-exporting file). */
  readonly star: boolean
  /** The re-exporting file, for `export … from`. */
  readonly via?: string
}

const resolve = (from: string, spec: string): string | undefined => {
  if (!spec.startsWith(".")) return undefined
  const full = nodePath.resolve(nodePath.dirname(from), spec)
  return fs.existsSync(full) ? full : undefined
}

const namesIn = (clause: string): Set<string> =>
  new Set(
    clause
      .split(",")
      .map((s) => s.trim().replace(/^type\s+/, ""))
      .filter((s) => s !== "")
      .map((s) => s.split(/\s+as\s+/)[0]!.trim())
  )

const usesOf = (file: string): ReadonlyArray<Use> => {
  const code = strip(fs.readFileSync(file, "utf8"))
  const uses: Array<Use> = []
  for (const m of code.matchAll(/\b(import|export)\s+(?:type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/g)) {
    const target = resolve(file, m[3]!)
    if (target === undefined) continue
    const clause = m[2]!.trim()
    const reexport = m[1] === "export"
    const via = reexport ? { via: file } : {}
    if (clause === "*") uses.push({ names: "*", file: target, star: true, ...via })
    else if (clause.startsWith("* as ")) {
      const ns = clause.slice(5).trim()
      if (reexport) uses.push({ names: "*", file: target, star: false })
      else {
        const used = new Set([...code.matchAll(new RegExp(`\\b${ns}\\.([A-Za-z_$][\\w$]*)`, "g"))].map((u) => u[1]!))
        uses.push({ names: used, file: target, star: false })
      }
    } else {
      const braces = /\{([^}]*)\}/.exec(clause)
      const names = braces === null ? new Set<string>() : namesIn(braces[1]!)
      uses.push({ names, file: target, star: false, ...via })
    }
  }
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
    const target = resolve(file, m[1]!)
    if (target !== undefined) uses.push({ names: "*", file: target, star: false })
  }
  return uses
}

const unusedExports = (): ReadonlyArray<string> => {
  const users = USERS.flatMap((d) => walk(nodePath.join(ROOT, d)))
  const uses = users.flatMap(usesOf)
  const entries = walk(nodePath.join(ROOT, "exports"))
  // Public: every file reachable from an entry through `export *` (names from a named re-export are
  // recorded as ordinary uses below).
  const public_ = new Set<string>(entries)
  for (let grew = true; grew; ) {
    grew = false
    for (const u of uses)
      if (u.star && u.via !== undefined && public_.has(u.via) && !public_.has(u.file)) {
        public_.add(u.file)
        grew = true
      }
  }
  const used = new Map<string, Set<string> | "*">()
  const add = (file: string, names: ReadonlySet<string> | "*"): boolean => {
    const seen = used.get(file)
    if (seen === "*") return false
    if (names === "*") {
      used.set(file, "*")
      return true
    }
    const next = new Set([...(seen ?? []), ...names])
    used.set(file, next)
    return next.size !== (seen?.size ?? -1)
  }
  for (const u of uses) if (!u.star || (u.via !== undefined && public_.has(u.via))) add(u.file, u.names)
  // `export *` through a private barrel: what is used from the barrel is used from its sources.
  const privateStars = uses.filter((u) => u.star && u.via !== undefined && !public_.has(u.via))
  for (let grew = true; grew; ) {
    grew = false
    for (const u of privateStars) {
      const names = used.get(u.via!)
      if (names !== undefined && add(u.file, names)) grew = true
    }
  }
  const sources = SOURCES.flatMap((d) => walk(nodePath.join(ROOT, d))).filter((f) => f.endsWith(".ts"))
  return sources.flatMap((file) => {
    if (public_.has(file)) return []
    const names = used.get(file)
    if (names === "*") return []
    return declaredExports(strip(fs.readFileSync(file, "utf8")))
      .filter((n) => names === undefined || !names.has(n))
      .map((n) => `${nodePath.relative(ROOT, file)}: ${n}`)
  })
}

describe("exports", () => {
  it("every export of core/, adapters/ and cli/ is imported somewhere or public (exports/*.ts)", () => {
    expect(unusedExports()).toEqual([])
  })
})
