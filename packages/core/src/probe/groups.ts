/** Group name used for subtasks without a `group`. */
export const UNGROUPED = "ungrouped";
