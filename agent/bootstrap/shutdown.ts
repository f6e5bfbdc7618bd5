import { agentLog } from '../runtime/agent-log';

export interface Flushable {
  /**
   * Called once, before shutdown(): from now on the exports in flight keep the process alive
   * (while the app runs they never do), so the flush can complete.
   */
  holdProcess?(): void;
  shutdown(): Promise<void>;
  /** Stops what is still in flight when the bound passes, so nothing keeps the process alive. */
  abort?(): void;
}

/**
 * Flushes on SIGTERM, SIGINT and beforeExit, within `timeoutMs` even when the collector is down.
 *
 * The agent never decides when the app exits, and never calls process.exit. When the app has its
 * own handler for the signal, the agent only flushes alongside it. When it has none, Node's default
 * would have been to exit, so after the flush the agent restores that default and re-raises the
 * signal: the exit code and signal seen by the supervisor stay what they would have been without
 * the agent. A process that ends by itself (beforeExit) ends when the flush does, or when the bound
 * passes and abort() has ended everything in flight: the event loop is then empty, and Node exits
 * with the code the app set.
 */
export interface ShutdownHooks {
  /** Flushes and stops every signal, bounded by the timeout. Safe to call twice. */
  shutdown(): Promise<void>;
  /** Removes the hooks again (a start-up that failed after installing them). */
  uninstall(): void;
}

export function installShutdownHooks(target: Flushable, timeoutMs: number, handleSignals: boolean): ShutdownHooks {
  let shuttingDown: Promise<boolean> | undefined;

  /** Resolves true when everything was flushed, false when the bound cut it short. */
  const flush = (): Promise<boolean> => {
    if (!shuttingDown) {
      shuttingDown = new Promise<boolean>((resolve) => {
        // The flush holds the process until it ends or the bound passes: the bound's timer is ref'd,
        // and so is every export from here on.
        const timer = setTimeout(() => {
          agentLog.warn(`flush did not finish within ${timeoutMs} ms; exiting without the rest`);
          try {
            target.abort?.();
          } catch {
            // the bound holds whatever abort does
          }
          resolve(false);
        }, timeoutMs);
        try {
          target.holdProcess?.();
        } catch (err) {
          agentLog.debug('holdProcess error', err);
        }
        target.shutdown().then(
          () => { clearTimeout(timer); resolve(true); },
          (err) => { clearTimeout(timer); agentLog.debug('shutdown error', err); resolve(true); },
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

  // beforeExit fires when the app has nothing left to do (its loop is empty: the exports never hold
  // it). Once the flush ends, or abort() has ended it, nothing of the agent is left to keep it alive.
  const onBeforeExit = () => void flush();
  process.once('beforeExit', onBeforeExit);
  if (handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return {
    shutdown: async () => {
      await flush();
    },
    uninstall: () => {
      process.removeListener('beforeExit', onBeforeExit);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    },
  };
}
