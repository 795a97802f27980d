import type { CopySettings } from '../domain/copyContracts';
import { MAX_TIMER_SECONDS } from '../domain/polling';
import type { Reader } from './reader';
import { DEFAULTS, SETTINGS } from './settings';

/** Azure ends copies after 14 days; rpcopy must give up before. */
const PLATFORM_COPY_LIMIT_HOURS = 14 * 24;

/** The tuning every copy captures when it is requested. */
export function parseCopySettings(reader: Reader): CopySettings {
  const refreshIntervalSeconds = reader.number(
    SETTINGS.progressRefreshSeconds,
    DEFAULTS.progressRefreshSeconds,
    {
      min: 1,
      max: 3600,
    },
  );
  const maxIntervalSeconds = reader.number(SETTINGS.maxPollIntervalSeconds, DEFAULTS.maxPollIntervalSeconds, {
    min: 1,
    max: MAX_TIMER_SECONDS,
  });
  if (maxIntervalSeconds < refreshIntervalSeconds) {
    reader.problems.push(
      `${SETTINGS.maxPollIntervalSeconds} (${maxIntervalSeconds}) must not be below ${SETTINGS.progressRefreshSeconds} (${refreshIntervalSeconds})`,
    );
  }
  const copyTimeoutHours = reader.number(SETTINGS.copyTimeoutHours, DEFAULTS.copyTimeoutHours, {
    min: 0.01,
    max: PLATFORM_COPY_LIMIT_HOURS - 1,
  });
  return {
    maxConcurrentCopies: reader.number(SETTINGS.maxConcurrentCopies, DEFAULTS.maxConcurrentCopies, {
      min: 1,
      max: 1000,
      integer: true,
    }),
    copyTimeoutSeconds: Math.round(copyTimeoutHours * 3600),
    queueRecheckSeconds: reader.number(SETTINGS.queueRecheckSeconds, DEFAULTS.queueRecheckSeconds, {
      min: 1,
      max: 86_400,
    }),
    polling: {
      refreshIntervalSeconds,
      maxIntervalSeconds,
      firstPollSeconds: reader.number(SETTINGS.firstPollSeconds, DEFAULTS.firstPollSeconds, {
        min: 1,
        max: 3600,
      }),
      stallAfterPolls: reader.number(SETTINGS.stallAfterPolls, DEFAULTS.stallAfterPolls, {
        min: 1,
        max: 100,
        integer: true,
      }),
    },
    pollsPerGeneration: reader.number(SETTINGS.pollsPerGeneration, DEFAULTS.pollsPerGeneration, {
      min: 1,
      max: 500,
      integer: true,
    }),
    activityRetry: { firstRetryIntervalSeconds: 5, maxNumberOfAttempts: 5, backoffCoefficient: 2 },
  };
}
