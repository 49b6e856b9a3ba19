import { memoryWorld, realWorld } from "../adapters/store/harness.ts"
import { stateStoreContract } from "./StateStore.contract.ts"

stateStoreContract("memory (MemoryFileSystem)", memoryWorld)
stateStoreContract("real (NodeServices, temp dir)", realWorld)
