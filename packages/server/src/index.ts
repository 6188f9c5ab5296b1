export { loadConfig, ConfigError, envNames, type Config } from './config/index.js';
export { startServer, type RunningServer, type StartOptions } from './server.js';
export { VERSION } from './version.js';
