// Lint rules for the whole monorepo, including the import boundaries between
// layers (docs: STYLE.md, "Dependencies point inward"). Boundaries are checked
// on import specifiers, so they hold without building anything.
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any Node built-in: `node:fs`, `fs`, `fs/promises`, ... */
const NODE_BUILTIN = `^(node:.*|(${builtinModules.map(escape).join('|')})(/.*)?)$`;

const SANDBOX_DRIVERS = ['bubblewrap', 'podman', 'host', 'kubernetes'];
const AGENT_ADAPTERS = ['claude-code', 'codex', 'pi', 'gemini'];

/** Matches a specifier reaching into `<dir>/<name>/...` (or `<dir>/<name>.js`) at any depth. */
const intoFolder = (dir, names) => `(^|/)${dir}/(${names.map(escape).join('|')})(/|\\.js$|$)`;

/**
 * The TypeScript projects that type-aware rules use. A project whose folder
 * has no TypeScript yet is left out: tsc refuses a project with no inputs.
 */
const TYPED_PROJECTS = [
  'packages/server/tsconfig.test.json', // server, protocol and cli sources with their tests
  'packages/llm-scripted/tsconfig.test.json', // scripted LLM provider with its tests
  'packages/web/tsconfig.json',
  'e2e/tsconfig.json',
  'bench/tsconfig.json',
].filter((project) => hasTypeScript(path.join(import.meta.dirname, path.dirname(project))));

/** @param {string} dir */
function hasTypeScript(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((e) =>
    e.isDirectory()
      ? !['node_modules', 'dist'].includes(e.name) && hasTypeScript(path.join(dir, e.name))
      : /\.tsx?$/.test(e.name),
  );
}

/**
 * The server's layers, lowest first (docs/ARCHITECTURE.md). A folder may import
 * its own layer and those below it, never one above; folders of one layer do
 * not import each other. Files at the top of src/ are either base pieces
 * (errors, version, package-root: importable from anywhere) or the
 * composition root (below), which nothing but tests imports.
 */
const SERVER_LAYERS = [
  ['common'],
  ['config'],
  ['store'],
  ['events'],
  ['sandbox'],
  ['git'],
  ['agents'],
  ['services'],
  ['llm', 'terminal'],
  ['http'],
];
const COMPOSITION_ROOT = ['server', 'wiring', 'index'];

/**
 * A driver name compared (`driver === 'host'`, `case 'podman':`) outside
 * sandbox/: what differs between drivers is a capability flag of the driver
 * (SandboxCapabilities in sandbox/driver.ts), never its name.
 */
const DRIVER_NAME = `/^(${SANDBOX_DRIVERS.map(escape).join('|')})$/`;
const NO_DRIVER_NAME_COMPARED = [
  {
    selector: `BinaryExpression[operator=/^[!=]==?$/] > Literal[value=${DRIVER_NAME}]`,
    message:
      'Do not compare a sandbox driver name outside sandbox/; ask a capability flag of the driver (SandboxCapabilities).',
  },
  {
    selector: `SwitchCase > Literal.test[value=${DRIVER_NAME}]`,
    message:
      'Do not switch on a sandbox driver name outside sandbox/; ask a capability flag of the driver (SandboxCapabilities).',
  },
];

/** The layers below HTTP never import it. */
const INWARD = {
  regex: '^(\\.\\./)+http(/|$)',
  message: 'Only the HTTP layer depends on services, never the reverse; move what is shared below http/.',
};

/** A workspace's host paths are the lifecycle's: others reach its files through its Sandbox. */
const HOST_PATHS = {
  regex: '(^|/)workspaces/lifecycle\\.js$',
  importNames: ['workspacePaths'],
  message:
    "A workspace's files may not be on this host: reach them through its Sandbox (sandbox.hostFiles is the fast path where they are).",
};

/** Test modifiers that must not reach CI: `it.only(...)`, `describe.only(...)`, ... */
const TEST_FUNCTIONS = ['it', 'test', 'describe', 'suite'];

/**
 * Local rules. `no-cross-package-relative-import`: a relative import (static,
 * re-export or dynamic) must stay inside its own workspace package; other
 * packages are reached by name (`@hangar/protocol`), which the boundaries
 * below can then restrict.
 */
const hangar = {
  rules: {
    layers: {
      meta: {
        type: 'problem',
        messages: {
          upward:
            "'{{source}}' points up (or across) from {{from}} to {{to}}: in packages/server/src, dependencies go {{order}}. Move what both need down (common/), or pass it in from the composition root (server.ts, wiring.ts).",
          store:
            "'{{source}}': http/ reaches the store through services (it may import the store's types only).",
          root: "'{{source}}' imports the composition root ({{to}}); only server.ts and tests may, and http/ may import its types.",
        },
        schema: [],
      },
      create(context) {
        const file = path.resolve(context.cwd, context.filename);
        const src = path.resolve(context.cwd, 'packages/server/src');
        const rel = path.relative(src, file);
        if (rel.startsWith('..') || path.isAbsolute(rel) || /\.test\.tsx?$/.test(rel)) return {};
        const layerOf = (relPath) => {
          const parts = relPath.split(path.sep);
          if (parts.length === 1)
            return { root: COMPOSITION_ROOT.includes(parts[0].replace(/\.[jt]s$/, '')), name: parts[0] };
          const index = SERVER_LAYERS.findIndex((layer) => layer.includes(parts[0]));
          return { index, name: parts[0] };
        };
        const own = layerOf(rel);
        if (own.root === true || own.name === 'test' || own.index === -1 || own.index === undefined)
          return {};
        const check = (node, typeOnly) => {
          if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
          if (!node.value.startsWith('.')) return;
          const target = path.relative(src, path.resolve(path.dirname(file), node.value));
          if (target.startsWith('..') || path.isAbsolute(target)) return;
          const to = layerOf(target);
          if (to.root === true) {
            if (typeOnly && own.name === 'http') return;
            context.report({ node, messageId: 'root', data: { source: node.value, to: to.name } });
          } else if (own.name === 'http' && to.name === 'store' && !typeOnly) {
            context.report({ node, messageId: 'store', data: { source: node.value } });
          } else if (to.index > own.index || (to.index === own.index && to.name !== own.name)) {
            context.report({
              node,
              messageId: 'upward',
              data: {
                source: node.value,
                from: own.name,
                to: to.name,
                order: SERVER_LAYERS.map((l) => l.join('/'))
                  .reverse()
                  .join(' → '),
              },
            });
          }
        };
        return {
          ImportDeclaration: (node) => check(node.source, node.importKind === 'type'),
          ExportNamedDeclaration: (node) => check(node.source, node.exportKind === 'type'),
          ExportAllDeclaration: (node) => check(node.source, node.exportKind === 'type'),
          ImportExpression: (node) => check(node.source, false),
        };
      },
    },
    'no-cross-package-relative-import': {
      meta: {
        type: 'problem',
        messages: {
          escapes:
            "'{{source}}' leaves package '{{pkg}}'; import the other package by its name (@hangar/...).",
        },
        schema: [],
      },
      create(context) {
        const file = path.resolve(context.cwd, context.filename);
        const packagesDir = path.resolve(context.cwd, 'packages');
        const rel = path.relative(packagesDir, file);
        if (rel.startsWith('..') || path.isAbsolute(rel)) return {};
        const pkg = rel.split(path.sep)[0];
        const pkgDir = path.join(packagesDir, pkg);
        const check = (node) => {
          if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
          if (!node.value.startsWith('.')) return;
          const target = path.resolve(path.dirname(file), node.value);
          const inside = path.relative(pkgDir, target);
          if (inside.startsWith('..') || path.isAbsolute(inside)) {
            context.report({ node, messageId: 'escapes', data: { source: node.value, pkg } });
          }
        };
        return {
          ImportDeclaration: (node) => check(node.source),
          ExportNamedDeclaration: (node) => check(node.source),
          ExportAllDeclaration: (node) => check(node.source),
          ImportExpression: (node) => check(node.source),
        };
      },
    },
  },
};

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'test-results/**',
      '.hangar-test/**',
      '**/*.tsbuildinfo',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { hangar },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      'hangar/no-cross-package-relative-import': 'error',
      'hangar/layers': 'error',
      'no-restricted-properties': [
        'error',
        ...TEST_FUNCTIONS.map((object) => ({
          object,
          property: 'only',
          message: '.only would silently skip the other tests; remove it before committing.',
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          // Chained forms such as describe.concurrent.only or test.sequential.only.
          selector: `MemberExpression[property.name='only'][object.type='MemberExpression'][object.object.name=/^(${TEST_FUNCTIONS.join('|')})$/]`,
          message: '.only would silently skip the other tests; remove it before committing.',
        },
      ],
    },
  },

  // A few type-aware rules, for promises nobody awaits or handles (an
  // unhandled rejection fails the test run and can crash the server). Each
  // file linted here must belong to one of TYPED_PROJECTS.
  {
    files: ['packages/*/src/**/*.{ts,tsx}', 'e2e/**/*.ts', 'bench/**/*.{ts,js}'],
    languageOptions: {
      parserOptions: { project: TYPED_PROJECTS, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },

  // Browser code: the web app talks to the server over HTTP only, and shares
  // types with it through @hangar/protocol. (Its vite.config.ts runs in Node.)
  {
    files: ['packages/web/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@hangar/(server|cli)(/|$)',
              message:
                'The web app must not import server or CLI code; use @hangar/protocol and the HTTP API.',
            },
            {
              regex: NODE_BUILTIN,
              message: 'The web app runs in the browser: Node built-ins are not available.',
            },
          ],
        },
      ],
    },
  },

  // The protocol package is shared by server and browser: no Node, no DOM, no
  // other workspace package.
  {
    files: ['packages/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@hangar/',
              message:
                '@hangar/protocol depends on no other workspace package (server, CLI and web depend on it).',
            },
            {
              regex: NODE_BUILTIN,
              message: '@hangar/protocol is shared with the browser: Node built-ins are not allowed.',
            },
          ],
        },
      ],
    },
  },

  // HTTP routes stay thin: they reach sandboxes and agents through services and
  // interfaces, never a concrete driver or adapter.
  {
    files: ['packages/server/src/http/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: intoFolder('sandbox', SANDBOX_DRIVERS),
              message:
                'Routes must not import a concrete sandbox driver; go through a service and the Sandbox interface.',
            },
            {
              regex: intoFolder('agents', AGENT_ADAPTERS),
              message:
                'Routes must not import a concrete agent adapter; go through a service and the agent interface.',
            },
          ],
        },
      ],
    },
  },

  // No driver name compared outside sandbox/ (the http/ block below repeats these:
  // a later block's options for a rule replace an earlier one's).
  {
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/sandbox/**', 'packages/server/src/test/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...NO_DRIVER_NAME_COMPARED] },
  },

  // Routes reach the database through services, never by a query of their own.
  {
    files: ['packages/server/src/http/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='db'][object.name=/^(store|db)$/]",
          message: 'Routes must not query the store; put the query in a service and call that.',
        },
        {
          selector: "MemberExpression[property.name='db'][object.property.name='store']",
          message: 'Routes must not query the store; put the query in a service and call that.',
        },
        ...NO_DRIVER_NAME_COMPARED,
      ],
    },
  },

  // Dependencies point inward: the layers below HTTP never import it (the
  // composition root, src/server.ts, and test helpers may).
  {
    files: ['packages/server/src/{config,services,store,sandbox,agents,llm,events,terminal}/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [INWARD],
        },
      ],
    },
  },

  // Services, terminals, the LLM proxy and agent adapters reach a workspace
  // through the Sandbox interface (sandbox/sandbox.ts) and the driver
  // interface, never a concrete driver (adapters get a command runner).
  {
    files: ['packages/server/src/{services,terminal,llm,agents}/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            INWARD,
            {
              regex: intoFolder('sandbox', SANDBOX_DRIVERS),
              message:
                'Only sandbox/ knows the concrete drivers; reach the workspace through its Sandbox (sandbox/sandbox.ts) and ask capability flags.',
            },
            HOST_PATHS,
          ],
        },
      ],
    },
  },

  // Those that manage a workspace's storage on this host may name its host paths: the lifecycle
  // (which makes them), the reconciler and the disk cap (which measure them), and the live diff's
  // watch (until its fingerprint runs inside the sandbox).
  {
    files: [
      'packages/server/src/services/workspaces/{lifecycle,reconciler,disk-cap}.ts',
      'packages/server/src/services/diff/diff-service.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            INWARD,
            {
              regex: intoFolder('sandbox', SANDBOX_DRIVERS),
              message:
                'Only sandbox/ knows the concrete drivers; reach the workspace through its Sandbox (sandbox/sandbox.ts) and ask capability flags.',
            },
          ],
        },
      ],
    },
  },
);
