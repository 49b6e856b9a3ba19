import { makeFakeHarness } from "../adapters/git/FakeGitHarness.ts"
import { makeRealHarness } from "../adapters/git/RealGitHarness.ts"
import { worktreesContract } from "./Worktrees.contract.ts"

worktreesContract("fake", makeFakeHarness)
worktreesContract("real (git)", makeRealHarness)
