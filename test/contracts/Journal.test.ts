import { memoryWorld, realWorld } from "../adapters/store/harness.ts"
import { journalContract } from "./Journal.contract.ts"

journalContract("memory (MemoryFileSystem)", memoryWorld)
journalContract("real (NodeServices, temp dir)", realWorld)
