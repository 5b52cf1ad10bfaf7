export * from './narrow.js';
export * from './range.js';
export * from './text.js';
