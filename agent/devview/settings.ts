// Settings of the devview concern. Declared with the builders in ../config/setting and
// registered in ../config/registry.ts under the section name 'devview'.
export const devviewSettings = {} as const;
