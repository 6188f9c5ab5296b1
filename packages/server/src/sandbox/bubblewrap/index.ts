export { BubblewrapDriver, type BubblewrapDriverOptions } from './bubblewrap-driver.js';
export type { IdMode } from './idmap.js';
