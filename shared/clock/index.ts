export type { Clock } from './clock.js';
export { RealClock } from './real-clock.js';
export { VirtualClock } from './virtual-clock.js';
