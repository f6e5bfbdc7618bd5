// The harshest case for an agent: Express with one route and no middleware, so nearly all the
// work of a request is the framework's and the agent's.
const express = require('express');

const app = express();
app.get('/hello', (_req, res) => res.send('hello'));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
