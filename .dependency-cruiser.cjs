// The agent's layers (docs/architecture.md): run by `npm run lint:deps`, part of `npm test`.
//
//   agent/index.ts, agent/bootstrap/   the composition root and the public API: may import anything
//   agent/<concern>/                   tracing, metrics, logs, processors, events, health, devview, export:
//                                      import runtime/, config/, upstream/ and converters/, never each other
//   agent/upstream/                    the only reaches into upstream internals: import runtime/ and config/
//   agent/runtime/                     the agent's shared state and helpers: import config/ only
//   agent/config/                      setting builders and the resolver: import nothing of the agent
//   converters/                        import nothing of the agent
const CONCERNS = ['tracing', 'metrics', 'logs', 'processors', 'events', 'health', 'devview', 'export'];
const concern = `^agent/(${CONCERNS.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'concern-imports-other-concern',
      comment: 'A concern never imports another concern: the composition root (agent/bootstrap) wires them, or runtime/ defines the interface.',
      severity: 'error',
      from: { path: concern },
      to: { path: concern, pathNot: '^agent/$1/' },
    },
    {
      name: 'concern-imports-bootstrap',
      comment: 'Concerns do not know the composition root or the public API module.',
      severity: 'error',
      from: { path: '^agent/(?!bootstrap/)[^/]+/' },
      to: { path: ['^agent/bootstrap/', '^agent/index\\.ts$'] },
    },
    {
      name: 'runtime-imports-concern',
      comment: 'runtime/ is a leaf: it imports config/ and nothing else of the agent.',
      severity: 'error',
      from: { path: '^agent/runtime/' },
      to: { path: '^agent/', pathNot: '^agent/(runtime|config)/' },
    },
    {
      name: 'config-imports-agent',
      comment: 'config/ is the bottom layer: setting builders and the resolver know no concern.',
      severity: 'error',
      from: { path: '^agent/config/' },
      to: { path: '^agent/', pathNot: '^agent/config/' },
    },
    {
      name: 'upstream-imports-concern',
      comment: 'upstream/ holds the reaches into upstream internals; it imports runtime/ and config/ only.',
      severity: 'error',
      from: { path: '^agent/upstream/' },
      to: { path: '^agent/', pathNot: '^agent/(upstream|runtime|config)/' },
    },
    {
      name: 'converters-import-agent',
      comment: 'The converters are a library of their own: they import nothing from agent/.',
      severity: 'error',
      from: { path: '^converters/' },
      to: { path: '^agent/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles anywhere.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.stack)/' },
    // Type-only imports count: a concern that needs another's types is still coupled to it.
    tsPreCompilationDeps: true,
    // TypeScript 7's compiler has no JS API yet; swc parses the sources, type-only imports included.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.d.ts'] },
  },
};
