/** Types the backend's feature folders share that never cross the wire (those live in `protocol/`). */

/** Milliseconds since the epoch. Injected everywhere time matters so tests never sleep. */
export type Clock = () => number;
