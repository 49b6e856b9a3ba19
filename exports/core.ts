/**
 * Entry of `rekindle/core`: the pure decision core alone — Schemas and total functions over state and
 * signals. No Effect runtime, no node:* (test/package/Exports.test.ts checks the import closure).
 */
export * from "../core/domain/index.ts"
export {
  mapForeignBatch,
  type MappedBatch,
  type MappingOptions
} from "../core/import/Mapping.ts"
export type {
  ForeignBatch,
  ForeignLane,
  ForeignMerge,
  ForeignProcess,
  ForeignTask
} from "../core/import/Foreign.ts"
