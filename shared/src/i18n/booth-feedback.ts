/**
 * booth-feedback texts (Chinese first, English with exactly the same keys).
 * Wired into zh-CN.ts / en.ts under `boothFeedback`: use them as t('boothFeedback.…').
 *
 * 「办不成事」反映: a resident who could not get something done tells the
 * centre (POST /api/cant-get-done), from any booth screen. The reason chips
 * are sent in Chinese whatever the screen language (like the rating reasons),
 * so the supervisors' follow-up list reads alike.
 */
export const boothFeedbackZh = {
  cantGetDone: {
    /** The button on every screen (top bar). */
    open: '办不成事',
    title: '办不成事反映',
    intro: '有事没办成？请告诉我们，工作人员会跟进处理。',
    whatLabel: '什么事没办成',
    whatPlaceholder: '点下面的事项，或在这里写',
    /** Quick fill for 「什么事」. */
    whatChips: {
      social: '社保',
      medical: '医保',
      household: '户籍',
      other: '其他事项',
    },
    whyLabel: '为什么没办成（可以选几个）',
    reasons: {
      tooMany: '材料太多',
      manyTrips: '跑了多次',
      whereToGo: '不知道去哪办',
      system: '系统办不了',
      other: '其他原因',
    },
    whyPlaceholder: '还可以写下具体情况（选填）',
    contactLabel: '联系电话（选填）',
    contactHint: '留下电话，工作人员好回复您',
    submit: '提交反映',
    submitting: '正在提交……',
    cancel: '取消',
    needWhat: '请写下什么事没办成，或点一个事项',
    needWhy: '请点一个原因，或写下为什么没办成',
    done: '已收到，工作人员将在5个工作日内联系您',
    doneNoContact: '已收到，工作人员将在5个工作日内处理',
    close: '关闭',
  },
};

export const boothFeedbackEn: typeof boothFeedbackZh = {
  cantGetDone: {
    open: "Couldn't get it done",
    title: "Report: couldn't get it done",
    intro: 'Something you could not get done? Tell us and our staff will follow it up.',
    whatLabel: 'What could you not get done?',
    whatPlaceholder: 'Tap a matter below, or write it here',
    whatChips: {
      social: 'Social insurance',
      medical: 'Medical insurance',
      household: 'Hukou (residence)',
      other: 'Other matter',
    },
    whyLabel: 'Why not? (choose any)',
    reasons: {
      tooMany: 'Too many papers',
      manyTrips: 'Came many times',
      whereToGo: "Didn't know where",
      system: "System couldn't",
      other: 'Other reason',
    },
    whyPlaceholder: 'You can also describe what happened (optional)',
    contactLabel: 'Phone number (optional)',
    contactHint: 'So that our staff can reply to you',
    submit: 'Send report',
    submitting: 'Sending…',
    cancel: 'Cancel',
    needWhat: 'Please write what you could not get done, or tap a matter',
    needWhy: 'Please tap a reason, or write why it could not be done',
    done: 'Received. Our staff will contact you within 5 working days',
    doneNoContact: 'Received. Our staff will deal with it within 5 working days',
    close: 'Close',
  },
};
