/**
 * Entry of `rekindle/core`: the pure decision core alone — Schemas and total functions over state and
 * signals. No Effect runtime, no node:* (test/package/Exports.test.ts checks the import closure).
 */
export * from "../core/domain/index.ts"
