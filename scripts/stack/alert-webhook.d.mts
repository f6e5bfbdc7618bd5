// Types for alert-webhook.mjs (plain JavaScript so that compose can run it from
// a stock node image with only that file mounted).
export interface AlertWebhookNotification {
  /** The path segment after /alerts/: the Alertmanager receiver's name. */
  receiver: string;
  receivedAt: string;
  /** Alertmanager's webhook payload (version 4), as received. */
  body: {
    status?: string;
    receiver?: string;
    groupLabels?: Record<string, string>;
    commonLabels?: Record<string, string>;
    alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt?: string }[];
  };
}

export interface AlertWebhook {
  url: string;
  port: number;
  /** Newest last; at most `keep` entries. */
  notifications: AlertWebhookNotification[];
  close(): Promise<void>;
}

export function startAlertWebhook(options?: {
  host?: string;
  port?: number;
  keep?: number;
  log?: (line: string) => void;
}): Promise<AlertWebhook>;
