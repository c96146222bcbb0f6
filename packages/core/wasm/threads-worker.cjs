"use strict";
// Worker script for @vsd/core's multithreaded wasm backend (see src/wasm-threads.ts).
//
// tfjs-backend-wasm ships Emscripten's pthread worker only as a string
// (`wasmWorkerContents`) meant to be loaded from a Blob URL, which Node's
// worker_threads cannot do, so tfjs disables threads in Node
// (tensorflow/tfjs#3830). Node can run that same code from a file: this is
// the file. The Emscripten main script it later evaluates with
// `importScripts` ends in CommonJS exports, hence the `module` shim.
const path = require("node:path");
const pkg = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
const { wasmWorkerContents } = require(path.join(pkg, "wasm-out", "tfjs-backend-wasm-threaded-simd.worker.js"));
globalThis.module = { exports: {} };
globalThis.exports = globalThis.module.exports;
// The string is a template literal's value: escaped newlines inside its string
// literals became real ones; put the escapes back (tfjs does the same).
new Function("require", "__filename", wasmWorkerContents.replace(/\n/g, "\\n"))(require, __filename);
