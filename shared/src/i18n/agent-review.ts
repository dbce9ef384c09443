/**
 * agent-review texts (Chinese first, English with exactly the same keys).
 * Wired into zh-CN.ts / en.ts under `agentReview`: use them as t('agentReview.…').
 */
export const agentReviewZh = {
  title: '材料审核',
};

export const agentReviewEn: typeof agentReviewZh = {
  title: 'Document review',
};
