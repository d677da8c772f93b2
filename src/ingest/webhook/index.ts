// Generic webhook JSON alert input (file import and HTTP bodies).
export * from './parser.js';
export * from './receiver.js';
