/**
 * Azure public-cloud region names, in the lower-case, space-free form ARM uses for `location`.
 *
 * @remarks Kept as a closed list so that a typo in a request, tag or policy is refused instead of turning into
 * a copy that ARM rejects hours later.
 */
export const KNOWN_REGIONS: ReadonlySet<string> = new Set([
  'australiacentral',
  'australiacentral2',
  'australiaeast',
  'australiasoutheast',
  'austriaeast',
  'belgiumcentral',
  'brazilsouth',
  'brazilsoutheast',
  'canadacentral',
  'canadaeast',
  'centralindia',
  'centralus',
  'centraluseuap',
  'chilecentral',
  'eastasia',
  'eastus',
  'eastus2',
  'eastus2euap',
  'francecentral',
  'francesouth',
  'germanynorth',
  'germanywestcentral',
  'indonesiacentral',
  'israelcentral',
  'italynorth',
  'japaneast',
  'japanwest',
  'jioindiacentral',
  'jioindiawest',
  'koreacentral',
  'koreasouth',
  'malaysiawest',
  'mexicocentral',
  'newzealandnorth',
  'northcentralus',
  'northeurope',
  'norwayeast',
  'norwaywest',
  'polandcentral',
  'qatarcentral',
  'southafricanorth',
  'southafricawest',
  'southcentralus',
  'southeastasia',
  'southindia',
  'spaincentral',
  'swedencentral',
  'swedensouth',
  'switzerlandnorth',
  'switzerlandwest',
  'uaecentral',
  'uaenorth',
  'uksouth',
  'ukwest',
  'westcentralus',
  'westeurope',
  'westindia',
  'westus',
  'westus2',
  'westus3',
]);

/**
 * Turns `West US 2`, `westus2` or `WestUS2` into `westus2`; undefined when the name is not a known region.
 */
export function normalizeRegion(name: string): string | undefined {
  const candidate = name.replace(/\s+/g, '').toLowerCase();
  return KNOWN_REGIONS.has(candidate) ? candidate : undefined;
}
