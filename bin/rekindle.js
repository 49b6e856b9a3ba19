#!/usr/bin/env node
// The `rekindle` command. In an installed package it runs the compiled CLI (dist/cli/main.js): Node
// does not strip types under node_modules. In a checkout the TypeScript source is there and runs
// directly (Node >= 22.18), so development never waits for a build and never runs a stale one.
import { existsSync } from "node:fs"

const source = new URL("../cli/main.ts", import.meta.url)
await import(existsSync(source) ? source.href : new URL("../dist/cli/main.js", import.meta.url).href)
