export * from './errors.js';
export * from './ids.js';
export { nobleProvider } from './noble/index.js';
export * from './random.js';
export * from './transforms.js';
export type * from './types.js';
