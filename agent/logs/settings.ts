// Settings of the logs concern. Declared with the builders in ../config/setting and
// registered in ../config/registry.ts under the section name 'logs'.
export const logsSettings = {} as const;
