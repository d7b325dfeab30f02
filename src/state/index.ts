// The pod state module: records on disk, process identity, locks, status. Other verbs (logs, exec,
// commit) import from here.
export * from './atomic';
export * from './proc';
export * from './lock';
export * from './records';
export * from './status';
export * from './address';
