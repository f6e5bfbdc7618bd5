import { agentLog } from '../runtime/agent-log';

export interface Flushable {
  shutdown(): Promise<void>;
  /** Stops what is still in flight when the bound passes, so nothing keeps the process alive. */
  abort?(): void;
}

/**
 * Flushes on SIGTERM, SIGINT and beforeExit, within `timeoutMs` even when the collector is down.
 *
 * The agent never decides when the app exits. When the app has its own handler for the signal,
 * the agent only flushes alongside it. When it has none, Node's default would have been to exit,
 * so after the flush the agent restores that default and re-raises the signal: the exit code and
 * signal seen by the supervisor stay what they would have been without the agent.
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
        const timer = setTimeout(() => {
          agentLog.warn(`flush did not finish within ${timeoutMs} ms; exiting without the rest`);
          try {
            target.abort?.();
          } catch {
            // the bound holds whatever abort does
          }
          resolve(false);
        }, timeoutMs);
        timer.unref();
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

  const onBeforeExit = () => {
    // beforeExit fires when the app has nothing left to do. If the bounded flush was cut short, the
    // exporters' retry timers would keep the process alive past the bound (collector down), so the
    // agent ends it, keeping the exit code the app set.
    void flush().then((complete) => {
      if (!complete) process.exit();
    });
  };
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
