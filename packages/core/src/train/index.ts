// Public surface of the train module; filled in by its owner.
export {};
