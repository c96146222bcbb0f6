import "reflect-metadata";
import { initBackend } from "./packages/core/src/backend.js";

// Every test file runs on the backend the SDK would pick here (wasm on CI),
// unless VSD_BACKEND says otherwise.
await initBackend({ log: false });
