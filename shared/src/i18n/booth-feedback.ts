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
    /** Reopened after the call started under it: what was typed is still there. */
    draftKept: '已保留您刚才填写的内容，可以接着填写',
  },
  /**
   * 稍后评价 (智能邀评): each stage of a service (服务评价 after the call, 办结评价
   * when the case is completed) can be rated for 3 days at any booth with a
   * 6-digit code — shown on the end screen and in the progress lookup.
   */
  rateLater: {
    /** End screen: 「稍后评价码：123 456（3天内在任意晓屋可用）」. */
    codeLabel: '稍后评价码：',
    codeWhere: '（3天内在任意晓屋可用）',
    /** Which stage is rated (shown over the five levels). */
    stages: {
      service: '服务评价',
      completion: '办结评价',
    },
    titleCompletion: '请您对本事项的办结情况进行评价',
    /** Home entry. */
    entry: '我要评价',
    entryHint: '凭6位评价码',
    title: '我要评价',
    back: '返回',
    hint: '请输入6位评价码。评价码在通话结束的屏幕上，办件办结后也可在「查询办件进度」里找到',
    inputLabel: '评价码（6位数字）',
    stepType: '请用右边的数字键输入评价码，还差 {{count}} 位',
    stepSubmit: '输好了，请按「确定」',
    submit: '确定',
    looking: '正在查找……',
    checking: '正在查找要评价的服务，请稍候',
    notFound: '评价码不对，或已经用过、已过期',
    notFoundNext: '请核对后重新输入。评价码3天内有效，只能用一次',
    rateLimited: '输错次数太多，请10分钟后再试',
    rateLimitedNext: '也可以请工作人员帮忙',
    alreadyRated: '这项服务已经评价过了，感谢您',
    whatTitle: '您要评价的是',
    matter: '事项：{{name}}',
    matterUnknown: '政务服务',
    serviceDate: '办理日期：{{date}}',
    completionDate: '办结日期：{{date}}',
    caseNo: '办件编号：{{caseNo}}',
    nextStep: '请点下面的表情进行评价',
    retype: '换一个评价码',
    backHome: '返回首页',
    /** Progress lookup of a completed case. */
    progressRate: '为办结服务评价',
    progressRateHint: '您的办件已办结，欢迎对办结服务进行评价',
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
    draftKept: 'What you typed before is still here: you can go on',
  },
  rateLater: {
    codeLabel: 'Rate later with code: ',
    codeWhere: ' (at any booth within 3 days)',
    stages: {
      service: 'Service rating',
      completion: 'Completion rating',
    },
    titleCompletion: 'Please rate how your case was completed',
    entry: 'Rate a service',
    entryHint: 'With the 6-digit code',
    title: 'Rate a service',
    back: 'Back',
    hint: 'Type your 6-digit rating code. It was shown at the end of your call, and for a completed case in “Check case progress”',
    inputLabel: 'Rating code (6 digits)',
    stepType: 'Type the code with the keys on the right: {{count}} more digits',
    stepSubmit: 'Done? Press “OK”',
    submit: 'OK',
    looking: 'Looking…',
    checking: 'Looking up the service to rate, please wait',
    notFound: 'This code is wrong, already used or expired',
    notFoundNext: 'Please check it and type it again. A code works once, within 3 days',
    rateLimited: 'Too many wrong codes. Please try again in 10 minutes',
    rateLimitedNext: 'Our staff can also help you',
    alreadyRated: 'This has already been rated. Thank you',
    whatTitle: 'You are rating',
    matter: 'Matter: {{name}}',
    matterUnknown: 'Government service',
    serviceDate: 'Served on: {{date}}',
    completionDate: 'Completed on: {{date}}',
    caseNo: 'Case number: {{caseNo}}',
    nextStep: 'Please tap a face below to rate',
    retype: 'Another code',
    backHome: 'Back to start',
    progressRate: 'Rate the completion',
    progressRateHint: 'Your case is completed: you are welcome to rate it',
  },
};
