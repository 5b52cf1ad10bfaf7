export * from './constants.js';
export * from './fragment.js';
export * from './limits.js';
export * from './mode.js';
export * from './reassembly.js';
export * from './size.js';
