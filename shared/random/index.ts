// Seeded randomness shared by the engine model, the scheduling core and the benchmarks.
export { SeededRandom, mixSeed, seededRandom } from './seeded-random.js';
