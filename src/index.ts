// Library entry point: the parts other programs may embed.
export * from './alerts/types.js';
export * from './flows/types.js';
export * from './store/types.js';
export * from './util/ip.js';
export * from './util/clock.js';
