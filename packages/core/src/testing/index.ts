// Public surface of the testing module; filled in by its owner.
export {};
