/**
 * The longest podrun waits for a pod's containers to stop before it kills them (docs/cli/delete.md):
 * a valid grace period can be 292 billion years, and `delete` must end. Longer ones warn at validation.
 * Its own module: the CLI's flags check it without loading the schema.
 */
export const MAX_GRACE_SECONDS = 24 * 60 * 60;
