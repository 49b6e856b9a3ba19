/**
 * B2 decide (pure reconcile + computeResumePoint + planRecovery on generated batches), B3 persist
 * (atomic durable state save; journal append throughput with the default durability) and B4 log
 * resume (catch up a 1 GiB pane log from a checkpoint 1 MiB before its end; line-splitter replay
 * throughput).
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import {
  computeResumePoint,
  planRecovery,
  reconcile,
  splitLines,
  type BatchState,
  type Signals
} from "../../core/domain/index.ts"
import { Journal } from "../../core/ports/Journal.ts"
import { LogTail } from "../../core/ports/LogTail.ts"
import { StateStore } from "../../core/ports/StateStore.ts"
import * as LogTailFs from "../../adapters/logs/LogTailFs.ts"
import * as StoreLayers from "../../adapters/store/StoreLayers.ts"
import * as Layer from "effect/Layer"
import { generateBatch } from "./generate.ts"
import { median } from "./stats.ts"

const decideOnce = (state: BatchState, signals: Signals, collect: (() => void) | undefined): number => {
  // A new state and a new observation each round, as in a real run: decide memoises per state and
  // per signals object, and a state reused across rounds would hide the index build from the timing.
  const fresh = { ...state }
  const observed = { ...signals }
  collect?.()
  const t0 = performance.now()
  const d = reconcile(fresh, observed)
  planRecovery(fresh, d, computeResumePoint(fresh, d), { now: observed.observedAt })
  return performance.now() - t0
}

/** A full-GC function (Node's `gc`, exposed at runtime), or undefined when V8 refuses. */
const fullGc = (): (() => void) | undefined => {
  v8.setFlagsFromString("--expose-gc")
  const gc: unknown = vm.runInNewContext("gc")
  return typeof gc === "function" ? () => void gc() : undefined
}

/** B2: median ms of decide for n tasks (rounds as in a real run: the GC debt of earlier rounds included). */
export const benchDecide = (n: number, rounds: number): number => benchDecideDetail(n, rounds).medianMs

/**
 * B2 in detail: the median as {@link benchDecide} measures it and, measured alternately in the same
 * run, the median with a full GC before each round (what decide costs without the collection of the
 * previous rounds' 100k-object outputs and of the large input heap).
 */
export const benchDecideDetail = (
  n: number,
  rounds: number
): { readonly medianMs: number; readonly medianMsAfterGc: number | undefined } => {
  const { state, signals } = generateBatch(n)
  const gc = fullGc()
  const plain: Array<number> = []
  const afterGc: Array<number> = []
  for (let r = 0; r < rounds + 1; r++) {
    const a = decideOnce(state, signals, undefined)
    const b = gc === undefined ? Number.NaN : decideOnce(state, signals, gc)
    if (r === 0) continue // warm-up
    plain.push(a)
    afterGc.push(b)
  }
  return { medianMs: median(plain), medianMsAfterGc: gc === undefined ? undefined : median(afterGc) }
}

const live = Layer.mergeAll(StoreLayers.layerFs(), LogTailFs.layer).pipe(Layer.provideMerge(NodeServices.layer))

/** B3: median ms of an atomic durable save of an n-task state; journal appends per second. */
export const benchPersist = async (sizes: ReadonlyArray<number>, rounds: number, appends: number) => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-bench-store-"))
  try {
    return await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* StateStore
        const journal = yield* Journal
        const saves: Record<number, number> = {}
        for (const n of sizes) {
          const { state } = generateBatch(n)
          const path = nodePath.join(dir, `s${n}`, "state.json")
          const times: Array<number> = []
          for (let r = 0; r < rounds; r++) {
            const t0 = performance.now()
            yield* store.save(path, { ...state, updatedAt: r })
            times.push(performance.now() - t0)
          }
          saves[n] = median(times)
        }
        const jpath = nodePath.join(dir, "events.jsonl")
        const t0 = performance.now()
        for (let i = 0; i < appends; i++)
          yield* journal.append(jpath, { at: i, key: `k${i}`, phase: i % 2 === 0 ? "intent" : "done", kind: "bench" })
        const perSecond = appends / ((performance.now() - t0) / 1000)
        return { saves, journalPerSecond: perSecond }
      }).pipe(Effect.provide(live))
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** B4: bytes read and ms to catch up from 1 MiB before the end of a `sizeBytes` log; splitter MB/s. */
export const benchLogs = async (sizeBytes: number) => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-bench-log-"))
  const path = nodePath.join(dir, "pane.log")
  try {
    // A real file of `sizeBytes` (lines of ~80 bytes), written in 8 MiB blocks.
    const line = "x".repeat(79) + "\n"
    const block = Buffer.from(line.repeat(Math.floor((8 << 20) / line.length)))
    const fd = fs.openSync(path, "w")
    for (let written = 0; written < sizeBytes; written += block.length)
      fs.writeSync(fd, block, 0, Math.min(block.length, sizeBytes - written))
    fs.closeSync(fd)
    const size = fs.statSync(path).size
    const checkpoint = size - (1 << 20)
    const catchUp = await Effect.runPromise(
      Effect.gen(function* () {
        const tail = yield* LogTail
        let offset = checkpoint
        let bytesRead = 0
        const t0 = performance.now()
        let carry: Uint8Array = new Uint8Array(0)
        while (offset < size) {
          const chunk = yield* tail.read(path, offset, 1 << 20)
          bytesRead += chunk.bytes.length
          carry = splitLines(carry, chunk.bytes).carry
          offset = chunk.nextOffset
        }
        return { bytesRead, ms: performance.now() - t0, newBytes: size - checkpoint }
      }).pipe(Effect.provide(live))
    )
    // Full replay throughput of the line splitter over 64 MiB.
    const sample = Buffer.alloc(Math.min(size, 64 << 20))
    const rfd = fs.openSync(path, "r")
    fs.readSync(rfd, sample, 0, sample.length, 0)
    fs.closeSync(rfd)
    const t0 = performance.now()
    let carry: Uint8Array = new Uint8Array(0)
    for (let off = 0; off < sample.length; off += 1 << 20)
      carry = splitLines(carry, sample.subarray(off, off + (1 << 20))).carry
    const splitterMBs = sample.length / (1 << 20) / ((performance.now() - t0) / 1000)
    return { ...catchUp, splitterMBs }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
