import { memoryWorld, realWorld } from "../adapters/store/harness.ts"
import { leaseContract } from "./Lease.contract.ts"

leaseContract("memory (MemoryFileSystem)", memoryWorld)
leaseContract("real (NodeServices, temp dir)", realWorld)
