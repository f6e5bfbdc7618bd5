// Settings of the processors concern. Declared with the builders in ../config/setting and
// registered in ../config/registry.ts under the section name 'processors'.
export const processorsSettings = {} as const;
