/**
 * Foreign-state import: the mapping interface ({@link ImportAdapter} → {@link ForeignBatch}) and the
 * taskplane-style example adapter. `importState`, the use-case that reads and saves, lives with the
 * other use-cases (core/engine/usecases/Import.ts).
 */
export * from "./Foreign.ts"
export * from "./Mapping.ts"
export * from "./TaskplaneFormat.ts"
export * from "./Taskplane.ts"
