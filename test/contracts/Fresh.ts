/**
 * Shared by every contract suite: each test gets a fresh world (fake or real) and always cleans it
 * up, whatever the test did.
 */

/** Anything a contract test runs against. */
export interface Disposable {
  readonly cleanup: () => Promise<void>
}

/** `freshEach(make)(body)` is a test function: build a world, run `body` on it, clean up. */
export const freshEach =
  <W extends Disposable>(make: () => Promise<W>) =>
  (body: (world: W) => Promise<void>) =>
  async (): Promise<void> => {
    const world = await make()
    try {
      await body(world)
    } finally {
      await world.cleanup()
    }
  }
