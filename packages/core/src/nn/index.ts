// Public surface of the nn module; filled in by its owner.
export {};
