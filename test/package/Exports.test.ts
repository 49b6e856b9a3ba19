/**
 * The package surface, on the sources: the exports map (exactly four subpaths plus package.json,
 * types first, everything else closed), the export names of each subpath (test/package/surface.ts),
 * and `rekindle/core`'s import closure (pure domain only: no Effect runtime, no node:*).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"
import * as Core from "../../exports/core.ts"
import * as Root from "../../exports/index.ts"
import * as Node from "../../exports/node.ts"
import * as Testing from "../../exports/testing.ts"
import { ENTRY, ROOT_MAX, SURFACE } from "./surface.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
const pkg = JSON.parse(fs.readFileSync(nodePath.join(ROOT, "package.json"), "utf8")) as {
  readonly exports: Readonly<Record<string, string | Readonly<Record<string, string>>>>
  readonly peerDependencies: Readonly<Record<string, string>>
  readonly dependencies: Readonly<Record<string, string>>
  readonly devDependencies: Readonly<Record<string, string>>
  readonly files: ReadonlyArray<string>
  readonly sideEffects: unknown
  readonly scripts: Readonly<Record<string, string>>
}
const modules: Readonly<Record<string, object>> = {
  rekindle: Root,
  "rekindle/core": Core,
  "rekindle/node": Node,
  "rekindle/testing": Testing
}

/** Relative imports and bare specifiers of one source file. */
const importsOf = (source: string): ReadonlyArray<string> =>
  [
    ...source.matchAll(
      /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g
    )
  ].map((m) => (m[1] ?? m[2])!)

/** Every file reachable from `entry` through relative imports, and every bare specifier they use. */
const closure = (entry: string): { readonly files: ReadonlyArray<string>; readonly bare: ReadonlySet<string> } => {
  const seen = new Set<string>()
  const bare = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of importsOf(fs.readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) visit(nodePath.resolve(nodePath.dirname(file), spec))
      else bare.add(spec)
    }
  }
  visit(nodePath.join(ROOT, entry))
  return { files: [...seen].map((f) => nodePath.relative(ROOT, f)).sort(), bare }
}

describe("package.json", () => {
  it("exports exactly rekindle, /core, /node, /testing and ./package.json; types first; nothing else reachable", () => {
    expect(Object.keys(pkg.exports)).toEqual([".", "./core", "./node", "./testing", "./package.json"])
    // No wildcard subpath: ./internal/* (core/domain/internal, engine internals) stays closed.
    expect(Object.keys(pkg.exports).filter((k) => k.includes("*") || k.includes("internal"))).toEqual([])
    expect(pkg.exports["./package.json"]).toBe("./package.json")
    for (const [sub, file] of Object.entries(ENTRY)) {
      const key = sub === "rekindle" ? "." : `./${sub.slice("rekindle/".length)}`
      const base = `./dist/${file.replace(/\.ts$/, "")}`
      const target = pkg.exports[key]
      expect(target, key).toEqual({ types: `${base}.d.ts`, default: `${base}.js` })
      expect(Object.keys(target as object)[0], `${key}: "types" must come first`).toBe("types")
      expect(fs.existsSync(nodePath.join(ROOT, file)), file).toBe(true)
    }
  })

  it("effect is a peer (one copy in the user's app) and still installed here; fast-check an optional peer", () => {
    expect(pkg.peerDependencies["effect"]).toBeDefined()
    expect(pkg.dependencies["effect"]).toBeUndefined()
    expect(pkg.devDependencies["effect"]).toBeDefined()
    expect(pkg.peerDependencies["fast-check"]).toBeDefined()
    expect(pkg.sideEffects).toBe(false)
    expect(pkg.files).toContain("dist")
    expect(pkg.scripts["prepack"]).toContain("build")
  })
})

describe("export surface per subpath", () => {
  it.each(Object.keys(SURFACE))(
    "%s exports exactly the listed names (update test/package/surface.ts on purpose)",
    (sub) => {
      const names = Object.keys(modules[sub]!).sort()
      const listed = [...SURFACE[sub]!].sort()
      expect({
        removed: listed.filter((n) => !names.includes(n)),
        added: names.filter((n) => !listed.includes(n))
      }).toEqual({ removed: [], added: [] })
    }
  )

  it(`rekindle is curated: at most ${ROOT_MAX} runtime names, no engine internals`, () => {
    expect(Object.keys(Root).length).toBeLessThanOrEqual(ROOT_MAX)
    const internals = ["makeApplying", "CrashPoint", "requireWorktree", "addDirty", "seenInPane", "launchTask"]
    expect(internals.filter((n) => n in Root)).toEqual([])
  })

  it("a name rekindle shares with rekindle/core is the same value (one Schema identity)", () => {
    const shared = Object.keys(Root).filter((n) => n in Core)
    expect(shared.length).toBeGreaterThan(0)
    for (const name of shared)
      expect((Root as Record<string, unknown>)[name], name).toBe((Core as Record<string, unknown>)[name])
  })

  it("rekindle/core reaches only core/domain and effect's data modules: no Effect runtime, no node:*", () => {
    const { files, bare } = closure(ENTRY["rekindle/core"]!)
    // The pure mapping of a foreign batch (core/import/Mapping.ts over the Foreign types) belongs too.
    const pure = new Set(["exports/core.ts", "core/import/Mapping.ts", "core/import/Foreign.ts"])
    expect(files.filter((f) => !pure.has(f) && !f.startsWith("core/domain/"))).toEqual([])
    const data = /^effect\/(Schema|Data|Option|Result|Array|Order|Match|Function|Predicate|Duration)$/
    expect([...bare].filter((s) => !data.test(s))).toEqual([])
  })

  it("rekindle/core works without an Effect runtime: pure calls return plain data", () => {
    expect(Core.sessionNameFor("20260115T143000", "TP-004")).toBe("rk-20260115T143000-TP-004")
    expect(Core.parseMarker("")).toEqual({ valid: true, status: "succeeded" })
  })
})

describe("bin/rekindle.js in a checkout", () => {
  it.skipIf(!fs.existsSync(nodePath.join(ROOT, "cli/main.ts")))(
    "runs the TypeScript CLI directly (no build needed, never a stale dist)",
    () => {
      const r = spawnSync(process.execPath, [nodePath.join(ROOT, "bin/rekindle.js"), "--version"], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000
      })
      expect(r.stderr).toBe("")
      expect(r.stdout).toContain("rekindle v")
      expect(r.status).toBe(0)
    }
  )
})
