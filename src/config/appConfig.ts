import type { ArmConnection } from '../azure/computeClient';
import type { CopySettings } from '../domain/copyContracts';
import type { CopyPolicy } from '../domain/policy';
import type { ProtectionSettings } from '../domain/protectionPolicy';
import type { NamingTemplates } from '../domain/targetNaming';

/** Where `RestorePointCopy.*` events go. */
export interface EventGridConfig {
  /**
   * Topic endpoint (`https://<topic>.<region>-1.eventgrid.azure.net/api/events`). Unset: events are not
   * published (each one is logged at warning level instead).
   * @default undefined
   */
  endpoint?: string;
  /**
   * Topic access key. Unset: the managed identity is used, which needs an `https://` endpoint.
   * @default undefined
   */
  key?: string;
  /**
   * CloudEvents `source` of every event.
   * @default "/rpcopy"
   */
  source: string;
}

export interface AppConfig {
  /** How to reach Azure Resource Manager. */
  arm: ArmConnection;
  eventGrid: EventGridConfig;
  /** Allowed subscriptions and the rules that pick target regions. */
  policy: CopyPolicy;
  /** Where copies are created. */
  naming: NamingTemplates;
  /** Tuning every copy captures when it is requested. */
  copy: CopySettings;
  /**
   * NCRONTAB schedule of the reconciliation sweep.
   * @default "0 0 * * * *" (hourly)
   */
  reconcileSchedule: string;
  /**
   * The app's URL as callers reach it (scheme, host and any path prefix, without `/api`), for the absolute
   * links in responses (`statusUrl`, `nextLink`). Unset: those links are relative (`/api/copies/…`); they are
   * never built from the request's `Host` header, which the caller controls.
   * @default undefined
   */
  publicBaseUrl?: string;
  /** RPO defaults, the at-risk margin and the retention dry-run switch. */
  protection: ProtectionSettings;
  /**
   * NCRONTAB schedule of the protection sweep (RPO events, retention).
   * @default "0 30 * * * *" (hourly, at half past)
   */
  protectionSchedule: string;
}
