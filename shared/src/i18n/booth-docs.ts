/**
 * booth-docs texts (Chinese first, English with exactly the same keys).
 * Wired into zh-CN.ts / en.ts under `boothDocs`: use them as t('boothDocs.…').
 */
export const boothDocsZh = {
  title: '办理材料',
};

export const boothDocsEn: typeof boothDocsZh = {
  title: 'Your documents',
};
