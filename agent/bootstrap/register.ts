// Preload entry: `node --require otel-companion/register app.js`.
// Starts the agent before the app loads express, pg or http, so they are patched on first require.
import { startAgent } from './start-agent';

startAgent();
