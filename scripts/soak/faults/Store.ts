/**
 * State-save faults through the engine's own `saveState`/`loadState` over the fault-injecting
 * FileSystem (adapters/fs/FaultyFileSystem.ts + FaultPlan.ts):
 * - disk full (ENOSPC) and permission denied (EACCES) at every write-like step of a save, on the
 *   real disk → the save fails with E_IO carrying the errno, and the state file holds the previous
 *   state byte for byte (or, when the failing step came after the rename, the new one — never
 *   anything else), with no temp file left;
 * - torn writes on the memory FileSystem (with and without a power loss after): each data write of a
 *   save cut at 0, 1, half and length-1 bytes, and the process dying at each step of the protocol
 *   (temp open, write, fsync, rename to .bak, …, rename, directory fsync) → the last good state loads.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type { BatchState } from "../../../core/domain/State.ts"
import { batchPaths } from "../../../core/domain/Layout.ts"
import { loadState, saveState } from "../../../core/engine/support/StateIO.ts"
import * as FaultyFileSystem from "../../../adapters/fs/FaultyFileSystem.ts"
import type { FaultKind } from "../../../adapters/fs/FaultPlan.ts"
import * as StoreLayers from "../../../adapters/store/StoreLayers.ts"
import type { Row, Scale } from "../Report.ts"
import { type FsWorld, memoryWorld, realWorld } from "../../../test/adapters/store/harness.ts"
import { realState } from "../../../test/support/real/batch.ts"
import { judge, Tally, type Verdict } from "./Tally.ts"

const BATCH = "b1"

/** The store services (and FileSystem/Path) over `fs`. */
const storeOver = (fs: FileSystem.FileSystem) =>
  StoreLayers.layerFs().pipe(Layer.provideMerge(Layer.mergeAll(Layer.succeed(FileSystem.FileSystem, fs), Path.layer)))

type Stores = Layer.Success<ReturnType<typeof storeOver>>

const exitOn = <A, E>(fs: FileSystem.FileSystem, effect: Effect.Effect<A, E, Stores>) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(storeOver(fs)))))

/** A repo root inside the world, the previous and the next state of one batch, saved once each before. */
const setup = async (w: FsWorld) => {
  const root = `${w.dir}/repo`
  const prev: BatchState = realState(root, BATCH, [{ id: "a" }, { id: "b" }], 1_000)
  const next: BatchState = {
    ...prev,
    phase: "paused",
    tasks: prev.tasks.map((t) => ({ ...t, status: "running", attempts: 1 }))
  }
  const file = batchPaths(root, BATCH).state
  const first = await exitOn(w.fs, saveState({ ...prev, counters: { generation: 0 } }, 1_500))
  const second = await exitOn(w.fs, saveState(prev, 2_000))
  if (Exit.isFailure(first) || Exit.isFailure(second))
    throw new Error(`cannot save the previous state: ${JSON.stringify(second)}`)
  const bytes = await Effect.runPromise(w.fs.readFile(file))
  return { root, file, prev: { ...prev, updatedAt: 2_000 }, next, prevBytes: bytes }
}

/** JSON with object keys sorted: a decoded state lists its fields in Schema order, not ours. */
const canon = (x: unknown): string =>
  JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v
  )

const same = (a: unknown, b: unknown): boolean => canon(a) === canon(b)

/** What loads now: the state (as saved by the engine) or the error code. */
const loadNow = async (w: FsWorld, root: string): Promise<BatchState | string> => {
  const exit = await exitOn(w.fs, loadState({ repoRoot: root, batchId: BATCH }))
  return Exit.isSuccess(exit) ? exit.value : (/E_[A-Z_]+/.exec(JSON.stringify(exit))?.[0] ?? "failed")
}

/** Steps of one save over an existing state (the log says what each is), and the main rename's index. */
const protocol = async (w: FsWorld) => {
  const s = await setup(w)
  const counter = FaultyFileSystem.make(w.fs)
  const exit = await exitOn(counter.fs, saveState(s.next, 3_000))
  if (Exit.isFailure(exit)) throw new Error("a fault-free save failed")
  const log = [...counter.plan.log]
  const renameAt = log.findIndex((l) => / rename /.test(l) && l.endsWith(`-> ${s.file}`))
  return { steps: counter.plan.steps, log, renameAt }
}

/** ENOSPC or EACCES at step `k` (or a full disk when k is "full") on the real disk. */
const oneIoFault = async (kind: FaultKind, k: number | "full", renameAt: number): Promise<Verdict> => {
  const w = await realWorld()
  try {
    const s = await setup(w)
    const faulty = FaultyFileSystem.make(w.fs)
    if (k === "full") faulty.plan.diskFull = kind
    else faulty.plan.failStep(k, kind)
    const exit = await exitOn(faulty.fs, saveState(s.next, 3_000))
    const text = JSON.stringify(exit)
    const errno = kind === "NoSpace" ? "ENOSPC" : "EACCES"
    const bytes = await Effect.runPromise(w.fs.readFile(s.file))
    const loaded = await loadNow(w, s.root)
    const before = k === "full" || k <= renameAt
    const names = await Effect.runPromise(w.fs.readDirectory(batchPaths(s.root, BATCH).dir))
    return judge(
      `E_IO (${errno}), ${before ? "previous state intact" : "new state in place (renamed before the fault)"}`,
      [
        [
          "wrongOutcome",
          Exit.isFailure(exit) && text.includes("E_IO") && text.includes(errno),
          `save at step ${k}: ${text.slice(0, 200)}`
        ],
        ["stateBad", typeof loaded !== "string", `state does not load after a fault at step ${k}: ${String(loaded)}`],
        [
          "stateBad",
          before ? Buffer.from(bytes).equals(Buffer.from(s.prevBytes)) : same(loaded, { ...s.next, updatedAt: 3_000 }),
          `state after a fault at step ${k} is neither the previous bytes nor the new state`
        ],
        ["wrongOutcome", !names.some((n) => n.includes(".tmp-")), `temp file left: ${names.join(" ")}`]
      ]
    )
  } finally {
    await w.cleanup()
  }
}

/** The save cut short on the memory FileSystem (`tear`), optionally followed by a power loss. */
const oneTear = async (
  tear: (plan: FaultyFileSystem.FaultyFileSystem["plan"]) => void,
  powerLoss: boolean,
  newAllowed: boolean,
  label: string
): Promise<Verdict> => {
  const w = await memoryWorld()
  const s = await setup(w)
  const faulty = FaultyFileSystem.make(w.fs)
  tear(faulty.plan)
  const exit = await exitOn(faulty.fs, saveState(s.next, 3_000))
  if (powerLoss) w.memory!.crash()
  const loaded = await loadNow(w, s.root)
  const isPrev = same(loaded, s.prev)
  const isNext = same(loaded, { ...s.next, updatedAt: 3_000 })
  return judge(`last good state loads (${isPrev ? "previous" : isNext ? "new, renamed in time" : "?"})`, [
    ["wrongOutcome", Exit.isFailure(exit), `${label}: the save did not fail`],
    ["stateBad", typeof loaded !== "string", `${label}, power loss ${powerLoss}: ${String(loaded)}`],
    [
      "stateBad",
      isPrev || (newAllowed && isNext),
      `${label}, power loss ${powerLoss}: neither the last good nor the new state`
    ]
  ])
}

/** Disk full and permission denied at every step of a save. */
export const ioFaults = async (): Promise<ReadonlyArray<Row>> => {
  const w = await memoryWorld()
  const { steps, renameAt } = await protocol(w)
  const full = new Tally("disk full (ENOSPC) on state save")
  await full.iterate(() => oneIoFault("NoSpace", "full", renameAt))
  for (let k = 0; k < steps; k++) await full.iterate(() => oneIoFault("NoSpace", k, renameAt))
  const denied = new Tally("permission denied (EACCES) on state save")
  for (let k = 0; k < steps; k++) await denied.iterate(() => oneIoFault("PermissionDenied", k, renameAt))
  return [full.row(), denied.row()]
}

/** Torn data writes at every byte-boundary class, and a crash at every protocol step. */
export const tornStateWrites = async (scale: Scale): Promise<ReadonlyArray<Row>> => {
  const w = await memoryWorld()
  const { steps, log, renameAt } = await protocol(w)
  const writes = log.filter((l) => / write(All|File)? /.test(l)).map((l) => Number(/\((\d+) bytes\)/.exec(l)![1]))
  const losses = scale === "slice" ? [true] : [false, true]
  const torn = new Tally("torn state write (temp cut at 0, 1, half, length-1 bytes)")
  for (const [which, length] of writes.entries()) {
    for (const at of [0, 1, Math.floor(length / 2), length - 1]) {
      for (const loss of losses)
        await torn.iterate(() =>
          oneTear((p) => void p.tearNextWrite(at, which), loss, false, `write ${which} (${length} bytes) cut at ${at}`)
        )
    }
  }
  const crashed = new Tally("torn state save at each protocol step (crash at step k)")
  for (let k = 0; k < steps; k++) {
    for (const loss of losses)
      await crashed.iterate(() =>
        oneTear((p) => void p.crashAtStep(k), loss, k > renameAt, `crash at step ${k} (${log[k]})`)
      )
  }
  return [torn.row(), crashed.row()]
}
