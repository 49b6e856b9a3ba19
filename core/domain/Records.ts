/**
 * Own-key access to the string-keyed records of Signals (markers, transcripts, paths, output times).
 * Task ids such as `__proto__`, `constructor` and `toString` are valid: `record[id] = v` would set a
 * `__proto__` record's prototype, and `record[id]` would return Object.prototype's members.
 */

/** The record's own value under `key`, never an inherited one. */
export const ownGet = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

/** Store `value` under `key` as an own property (works for `__proto__` too). */
export const setOwn = <A>(record: Record<string, A>, key: string, value: A): void =>
  void Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
