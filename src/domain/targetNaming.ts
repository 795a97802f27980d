import type { CollectionRef, RestorePointRef } from './armIds';
import { formatCollectionId, formatRestorePointId, parseRestorePointId } from './armIds';

/** Templates for where copies go. Placeholders: see {@link TEMPLATE_PLACEHOLDERS}. */
export interface NamingTemplates {
  /**
   * Target resource group, which must exist (`RPCOPY_TARGET_RESOURCE_GROUP`).
   * @default "{sourceResourceGroup}"
   */
  resourceGroup: string;
  /**
   * Target collection, created when missing (`RPCOPY_TARGET_COLLECTION_NAME`).
   * @default "{sourceCollection}-{targetRegion}"
   */
  collection: string;
  /**
   * Target restore point (`RPCOPY_TARGET_RESTORE_POINT_NAME`).
   * @default "{sourceRestorePoint}"
   */
  restorePoint: string;
}

export const TEMPLATE_PLACEHOLDERS = [
  'sourceResourceGroup',
  'sourceCollection',
  'sourceRestorePoint',
  'sourceRegion',
  'targetRegion',
] as const;

type Placeholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** Lists the problems with a template: unknown placeholders, unbalanced braces, empty text. */
export function checkTemplate(template: string): string[] {
  const problems: string[] = [];
  if (template.trim().length === 0) {
    problems.push('is empty');
  }
  const withoutPlaceholders = template.replace(/\{([^{}]*)\}/g, (_match, name: string) => {
    if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
      problems.push(
        `uses unknown placeholder {${name}} (known: ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
      );
    }
    return '';
  });
  if (/[{}]/.test(withoutPlaceholders)) {
    problems.push('has an unbalanced brace');
  }
  return problems;
}

function render(template: string, values: Readonly<Record<Placeholder, string>>): string {
  return template.replace(/\{([^{}]*)\}/g, (match, name: string) =>
    (TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : match,
  );
}

export interface TargetNames {
  collection: CollectionRef;
  collectionId: string;
  restorePoint: RestorePointRef;
  restorePointId: string;
}

export type TargetNamesResult = { ok: true; value: TargetNames } | { ok: false; message: string };

/**
 * Where the copy of `source` into `targetRegion` lives. Copies stay in the source subscription, so the
 * subscription allow-list covers them too.
 */
export function targetNamesFor(
  templates: NamingTemplates,
  source: RestorePointRef,
  sourceRegion: string,
  targetRegion: string,
): TargetNamesResult {
  const values: Record<Placeholder, string> = {
    sourceResourceGroup: source.resourceGroup,
    sourceCollection: source.collectionName,
    sourceRestorePoint: source.restorePointName,
    sourceRegion,
    targetRegion,
  };
  const restorePoint: RestorePointRef = {
    subscriptionId: source.subscriptionId,
    resourceGroup: render(templates.resourceGroup, values),
    collectionName: render(templates.collection, values),
    restorePointName: render(templates.restorePoint, values),
  };
  const restorePointId = formatRestorePointId(restorePoint);
  const check = parseRestorePointId(restorePointId);
  if (!check.ok) {
    return { ok: false, message: `the naming templates give an invalid target: ${check.message}` };
  }
  const collection: CollectionRef = {
    subscriptionId: restorePoint.subscriptionId,
    resourceGroup: restorePoint.resourceGroup,
    collectionName: restorePoint.collectionName,
  };
  return {
    ok: true,
    value: { collection, collectionId: formatCollectionId(collection), restorePoint, restorePointId },
  };
}
