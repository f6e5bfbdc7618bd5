/**
 * The same fixture app, loaded the three ways a user would: CJS with --require (Express 5 and 4),
 * ESM with --import. `filesRoute` is the wildcard route as each Express major spells it.
 */
export const expressVariants = [
  { name: 'CJS --require, Express 5', script: 'test/fixtures/apps/express-app.cjs', preload: 'require' as const, filesRoute: '/files/*splat' },
  { name: 'ESM --import, Express 5', script: 'test/fixtures/apps/express-app.mjs', preload: 'import' as const, filesRoute: '/files/*splat' },
  { name: 'CJS --require, Express 4', script: 'test/fixtures/express4/app.cjs', preload: 'require' as const, filesRoute: '/files/*' },
];
