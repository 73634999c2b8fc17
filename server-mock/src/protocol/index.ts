/**
 * The protocol the browser library, the Node SDK and the backend share: wire types, endpoint paths, error codes
 * and the face models' configuration. It imports nothing but its own modules (and types), so the browser bundle
 * takes from it only constants and types: `npm run lint` fails on any other import here.
 */
export * from './errors.js';
export * from './face.js';
export * from './paths.js';
export * from './wire.js';
