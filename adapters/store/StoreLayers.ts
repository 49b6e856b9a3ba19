/**
 * The store ports as layers: over whatever `FileSystem` + `Path` the caller provides (NodeServices
 * for the real disk, composed in the live layer), or over a MemoryFileSystem for the FakeWorld.
 */
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type { Journal } from "../../core/ports/Journal.ts"
import type { LeaseStore } from "../../core/ports/Lease.ts"
import type { StateStore } from "../../core/ports/StateStore.ts"
import * as JournalFs from "./JournalFs.ts"
import * as LeaseFs from "./LeaseFs.ts"
import * as MemoryFileSystem from "../fs/MemoryFileSystem.ts"
import * as StateStoreFs from "./StateStoreFs.ts"

/**
 * StateStore, Journal and LeaseStore over the provided FileSystem and Path. Each call builds its own
 * instances (`Layer.fresh`): the adapters' layers are module constants, which Effect memoises, so a
 * second `layerFs()` provided over another FileSystem would otherwise reuse the first one's stores.
 */
export const layerFs = (
  journal: JournalFs.JournalOptions = {}
): Layer.Layer<StateStore | Journal | LeaseStore, never, FileSystem.FileSystem | Path.Path> =>
  Layer.mergeAll(Layer.fresh(StateStoreFs.layer), JournalFs.layer(journal), Layer.fresh(LeaseFs.layer))

/** The same over `memory` (POSIX paths); FileSystem and Path are exposed too, for tests and drivers. */
export const layerMemory = (
  memory: MemoryFileSystem.MemoryFileSystem,
  journal: JournalFs.JournalOptions = {}
): Layer.Layer<StateStore | Journal | LeaseStore | FileSystem.FileSystem | Path.Path> =>
  layerFs(journal).pipe(Layer.provideMerge(Layer.mergeAll(MemoryFileSystem.layer(memory), Path.layer)))
