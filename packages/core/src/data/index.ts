// Public surface of the data module; filled in by its owner.
export {};
