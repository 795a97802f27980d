/** Tags that record a target collection's lineage (restore points themselves cannot carry tags). */
export const LINEAGE_TAGS = {
  managedBy: 'rpcopy-managed-by',
  sourceCollection: 'rpcopy-source-collection',
  sourceVm: 'rpcopy-source-vm',
} as const;
