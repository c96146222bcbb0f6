// Public surface of the report module; filled in by its owner.
export {};
