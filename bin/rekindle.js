#!/usr/bin/env node
// The `rekindle` command. Installed as a dependency (under node_modules) it runs the compiled CLI,
// dist/cli/main.js: Node does not strip types there. In a checkout it runs the TypeScript source
// directly (Node >= 22.18), so development never waits for a build and never runs a stale one.
import module from "node:module"
import { fileURLToPath } from "node:url"
import { tooOld, tooOldMessage } from "./node-version.js"

if (tooOld(process.versions.node)) {
  process.stderr.write(`${tooOldMessage(process.versions.node)}\n`)
  process.exit(1)
}

// Most of a cold run is spent compiling modules (effect, the CLI): keep the compiled code on disk
// (Node's compile cache, in the OS temp dir) so every run after the first skips that work.
module.enableCompileCache?.()

const installed = fileURLToPath(import.meta.url)
  .split(/[\\/]/)
  .includes("node_modules")
await import(new URL(installed ? "../dist/cli/main.js" : "../cli/main.ts", import.meta.url).href)
