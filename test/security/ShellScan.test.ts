/**
 * No shell is ever invoked with data (DESIGN §5.7): no source file under core/, adapters/, cli/,
 * bin/, test/ or exports/ spawns a shell — `shell: true`, a shell program with `-c`, a `bash -c`
 * command line, a shell spawned by name, child_process `exec`/`execSync`. The scanner is shown to
 * catch each shape (and a violation planted in a real file of the tree, then removed) and to pass
 * the argv-only calls the code base is made of.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"
import { PLANTED_VIOLATION, scanProject, scanSource } from "./shellscan.ts"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")
/** This file holds the violating samples below as test data: the one file the scan skips. */
const SELF = [nodePath.relative(ROOT, import.meta.filename)]

describe("no shell with data", () => {
  it("no source file spawns a shell", () => {
    const r = scanProject(ROOT, SELF)
    expect(r.violations).toEqual([])
    expect(r.files).toBeGreaterThan(200)
  })

  it("each shape is caught", () => {
    const bad = [
      `spawn(cmd, args, { shell: true })`,
      `spawnSync("git", ["status"], { shell: "/bin/bash" })`,
      `spawn("sh", ["-c", "rm " + file])`,
      `execFileSync("/bin/bash", ["-lc", script])`,
      `run(["bash -c 'echo hi'"])`,
      `spawn('zsh')`,
      `import { exec } from "node:child_process"\nexec("ls " + dir)`,
      `import { execSync as run } from "child_process"\nrun(\`git log \${ref}\`)`,
      `const { execSync } = require("node:child_process")\nexecSync(cmd)`,
      `import * as cp from "node:child_process"\ncp.exec(cmd)`
    ]
    for (const src of bad) expect(scanSource("x.ts", src).length, src).toBeGreaterThan(0)
  })

  it("argv-only calls, rekindle's own exec and comments about shells pass", () => {
    const fine = [
      `execFileSync("git", ["-C", dir, "status"])`,
      `spawn(process.execPath, [MAIN, ...args], { stdio: "pipe" })`,
      `import { exec } from "../process/Exec.ts"\nexec("tmux", argv, { timeout })`,
      `// a command given as ONE word is run through \`sh -c\`\nconst x = 1`,
      `/** never \`shell: true\` */\nconst y = 2`,
      `const shellQuote = (word: string) => word`,
      `spawnSync("tmux", ["-L", socket, "kill-server"])`
    ]
    for (const src of fine) expect(scanSource("x.ts", src), src).toEqual([])
  })

  it("a violation planted in the tree is found where it was planted; removing it makes the tree clean again", () => {
    const plant = nodePath.join(ROOT, "test/security", `planted-${process.pid}-${Date.now()}.ts`)
    fs.writeFileSync(plant, PLANTED_VIOLATION)
    try {
      const found = scanProject(ROOT, SELF).violations.filter((v) => v.file === nodePath.relative(ROOT, plant))
      expect(found.map((v) => [v.line, v.rule])).toEqual([
        [3, "shell program with -c"],
        [3, "shell spawned by name"]
      ])
    } finally {
      fs.rmSync(plant, { force: true })
    }
    expect(scanProject(ROOT, SELF).violations).toEqual([])
  })
})
