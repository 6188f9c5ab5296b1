export { ClaudeCodeAdapter } from './adapter.js';
