import { agentLog } from './diagnostics';

export interface Flushable {
  shutdown(): Promise<void>;
}

/**
 * Flushes on SIGTERM, SIGINT and beforeExit, within `timeoutMs` even when the collector is down.
 *
 * The agent never decides when the app exits. When the app has its own handler for the signal,
 * the agent only flushes alongside it. When it has none, Node's default would have been to exit,
 * so after the flush the agent restores that default and re-raises the signal: the exit code and
 * signal seen by the supervisor stay what they would have been without the agent.
 */
export function installShutdownHooks(target: Flushable, timeoutMs: number, handleSignals: boolean): () => Promise<void> {
  let shuttingDown: Promise<void> | undefined;

  const flush = (): Promise<void> => {
    if (!shuttingDown) {
      shuttingDown = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          agentLog.warn(`flush did not finish within ${timeoutMs} ms; exiting without the rest`);
          resolve();
        }, timeoutMs);
        timer.unref();
        target.shutdown().then(
          () => { clearTimeout(timer); resolve(); },
          (err) => { clearTimeout(timer); agentLog.debug('shutdown error', err); resolve(); },
        );
      });
    }
    return shuttingDown;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    // Our own listener counts as one; anything more is the app's.
    const appHandlesIt = process.listenerCount(signal) > 1;
    void flush().then(() => {
      if (appHandlesIt) return;
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    });
  };

  if (handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  process.once('beforeExit', () => {
    void flush();
  });
  return flush;
}
