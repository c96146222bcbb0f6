// Public surface of the probe module; filled in by its owner.
export {};
