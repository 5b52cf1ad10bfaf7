export * from './defaults.js';
export * from './keywords.js';
export * from './select.js';
export * from './suite.js';
