// Settings of the metrics concern. Declared with the builders in ../config/setting and
// registered in ../config/registry.ts under the section name 'metrics'.
export const metricsSettings = {} as const;
