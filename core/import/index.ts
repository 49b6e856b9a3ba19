/**
 * Foreign-state import: the mapping interface ({@link ImportAdapter} → {@link ForeignBatch}),
 * `importState`, and the taskplane-style example adapter.
 */
export * from "./Foreign.ts"
export * from "./Mapping.ts"
export * from "./Import.ts"
export * from "./TaskplaneFormat.ts"
export * from "./Taskplane.ts"
