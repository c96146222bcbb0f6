/**
 * Kernel overrides for the wasm backend (see issue 2): transposed matMul is
 * 13–15× slower than plain matMul there, and some gradient kernels are missing.
 * Filled in by the backend work; registering nothing is the safe default.
 */
let registered = false;

export function registerWasmKernelOverrides(): void {
  if (registered) return;
  registered = true;
}
