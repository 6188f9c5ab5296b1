export * from './errors.js';
export * from './common.js';
export * from './users.js';
export * from './auth.js';
export * from './tokens.js';
export * from './groups.js';
export * from './invitations.js';
export * from './workspaces.js';
