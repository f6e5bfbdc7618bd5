export interface PgServerHandle {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}
export function startPgServer(name: string, options?: { timeoutMs?: number }): Promise<PgServerHandle>;
