/**
 * The real coding-agent CLIs (pinned in test/agents/package.json and its lock file) installed on first use into a cache
 * outside the project, keyed by the lock file's hash, so `npm ci && npm test` stay the two set-up commands and a second
 * run reuses the install. They are ~1.4 GB: never in the project's node_modules.
 *
 * Concurrent callers (vitest workers, the global setup) serialise on a lock directory; an install that died half-way
 * leaves no `.complete` stamp and is redone.
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const HERE = import.meta.dirname

/** Set to "1" to skip the real-agent suite locally. CI never sets it; a skipped run says so on stderr. */
export const SKIP_ENV = "REKINDLE_SKIP_REAL_AGENTS"

export const realAgentsSkipped = (): boolean => process.env[SKIP_ENV] === "1"

export const agentsCacheDir = (): string => {
  const lock = fs.readFileSync(path.join(HERE, "package-lock.json"))
  const key = createHash("sha256").update(lock).digest("hex").slice(0, 16)
  const base = process.env["XDG_CACHE_HOME"] ?? path.join(os.homedir(), ".cache")
  return path.join(base, "rekindle", "test-agents", key)
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

const withLock = <A>(dir: string, body: () => A): A => {
  const lock = `${dir}.lock`
  const deadline = Date.now() + 15 * 60_000
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs
      // A lock older than the longest install is a dead installer's: take it over.
      if (Number.isFinite(age) && age > 15 * 60_000) fs.rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`)
      sleep(500)
    }
  }
  try {
    return body()
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

/**
 * The packages whose own install script puts their native binary in place (it copies the platform package's binary over
 * a stub): with scripts off at install time they print "native binary not installed" and exit 1. Only these scripts run,
 * by name, after the install (`npm rebuild <names>`), never every dependency's.
 */
export const NATIVE_POSTINSTALL: ReadonlyArray<string> = ["@anthropic-ai/claude-code", "opencode-ai"]

const linkNativeBinaries = (dir: string): void => {
  execFileSync("npm", ["rebuild", "--no-audit", "--no-fund", "--foreground-scripts", ...NATIVE_POSTINSTALL], {
    cwd: dir,
    stdio: "inherit"
  })
}

/** Installs the pinned CLIs if needed; returns the directory holding their executables (`claude`, `codex`, …). */
export const ensureRealAgents = (): string => {
  const dir = agentsCacheDir()
  const bin = path.join(dir, "node_modules", ".bin")
  const stamp = path.join(dir, ".complete")
  const linked = path.join(dir, ".native-linked")
  if (fs.existsSync(stamp) && fs.existsSync(linked)) return bin
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  return withLock(dir, () => {
    if (fs.existsSync(stamp) && !fs.existsSync(linked)) {
      linkNativeBinaries(dir)
      fs.writeFileSync(linked, new Date().toISOString())
    }
    if (fs.existsSync(stamp)) return bin
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(dir, { recursive: true })
    for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(HERE, f), path.join(dir, f))
    // Install scripts stay off: every pinned CLI ships its binary as a registry package and runs without them.
    // `npm install` on the lock, not `npm ci`: opencode-ai's per-platform optional packages are missing from any lock
    // written on one platform, and `npm ci` refuses such a lock. The top-level pins are exact and the lock pins the rest.
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save"], {
      cwd: dir,
      stdio: "inherit"
    })
    linkNativeBinaries(dir)
    fs.writeFileSync(linked, new Date().toISOString())
    fs.writeFileSync(stamp, new Date().toISOString())
    return bin
  })
}
