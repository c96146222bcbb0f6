// Public surface of the diffusion module; filled in by its owner.
export {};
