/**
 * Accessibility texts (issue 5): the booth's display modes (大字 / 高对比 /
 * 长者模式), paging of long lists in elderly mode, the choice of sign language
 * (手语种类) at the booth and on the interpreter's console, and the visual
 * notices that stand in for sounds. Chinese first, English with exactly the
 * same keys. Wired into zh-CN.ts / en.ts under `access`: use them as t('access.…').
 */
export const accessZh = {
  modes: {
    /** The toolbar's accessible name. */
    toolbar: '显示方式',
    largeText: '大字',
    highContrast: '高对比',
    elderly: '长者模式',
  },
  pager: {
    prev: '上一页',
    next: '下一页',
    page: '第 {{page}} / {{pages}} 页',
    /** The pager's accessible name, e.g. 「按部门查找：翻页」. */
    label: '{{name}}：翻页',
    popular: '常办事项',
    departments: '按部门查找',
    themes: '主题服务',
    results: '搜索结果',
    matters: '事项列表',
  },
  sign: {
    variants: {
      csl: '国家通用手语',
      bj: '北京方言手语',
      sh: '上海手语',
    },
    /** The choice before the call (under 「我需要手语服务」). */
    choose: '请选择您使用的手语',
    /** The choice in the call (after 「手语服务」). */
    dialogTitle: '请选择您使用的手语',
    dialogIntro: '我们优先为您接通会这种手语的翻译；暂时没有时，为您接通其他手语翻译。',
    dialogCancel: '取消',
    chosen: '已选',
  },
  visual: {
    /** The call was answered: shown large for a few seconds (nothing is said by sound alone). */
    answered: '已接通',
    answeredBy: '{{name}} 为您服务',
  },
  /** 「手语服务」 on the waiting screen: noted, the interpreter is asked for as soon as the call starts. */
  waitingSign: {
    button: '手语服务',
    noted: '已为您预约手语翻译，接通后立即邀请',
  },
  /** The booth chat's resident quick replies and the handwriting / pinyin input button. */
  residentChat: {
    title: '快捷回复',
    ime: '手写/拼音输入',
    replies: {
      ok: '好的',
      understood: '明白了',
      repeat: '请再说一遍',
      typeToMe: '请您打字给我',
      needSign: '我需要手语翻译',
      wait: '请稍等',
    },
  },
  /** Live captions (实时字幕) in the call screens. */
  captions: {
    toggle: '字幕',
    unavailable: '实时字幕服务尚未接入',
    waiting: '字幕已开启，等待说话…',
    engine: '字幕由 {{engine}} 识别',
    failed: '字幕开关失败，请重试',
    label: '实时字幕',
  },
  console: {
    /** On the interpreter's offer and the call's badges. */
    signVariant: '手语种类：{{name}}',
    signVariantBadge: '手语：{{name}}',
  },
  /** A network blip in a call (issue 8): the call is kept while the connection comes back. */
  reconnect: {
    banner: '网络不稳定，正在重连…',
    agentAway: '工作人员网络不稳定，请稍候',
    boothAway: '居民网络不稳定，正在等待重连',
  },
};

export const accessEn: typeof accessZh = {
  modes: {
    toolbar: 'Display',
    largeText: 'Large text',
    highContrast: 'Contrast',
    elderly: 'Senior mode',
  },
  pager: {
    prev: 'Previous',
    next: 'Next page',
    page: 'Page {{page}} of {{pages}}',
    label: '{{name}}: pages',
    popular: 'Common services',
    departments: 'By department',
    themes: 'Life events',
    results: 'Search results',
    matters: 'Services',
  },
  sign: {
    variants: {
      csl: 'Chinese National Sign Language',
      bj: 'Beijing Sign Language',
      sh: 'Shanghai Sign Language',
    },
    choose: 'Which sign language do you use?',
    dialogTitle: 'Which sign language do you use?',
    dialogIntro: 'We connect an interpreter who signs it first; if none is free, another sign-language interpreter.',
    dialogCancel: 'Cancel',
    chosen: 'Selected',
  },
  visual: {
    answered: 'Connected',
    answeredBy: '{{name}} is serving you',
  },
  waitingSign: {
    button: 'Sign language',
    noted: 'Sign-language interpreter requested: invited as soon as you are connected',
  },
  residentChat: {
    title: 'Quick replies',
    ime: 'Handwriting / pinyin',
    replies: {
      ok: 'OK',
      understood: 'I understand',
      repeat: 'Please say that again',
      typeToMe: 'Please type to me',
      needSign: 'I need a sign-language interpreter',
      wait: 'One moment, please',
    },
  },
  captions: {
    toggle: 'Captions',
    unavailable: 'Live captions are not connected yet',
    waiting: 'Captions on, waiting for speech…',
    engine: 'Recognized by {{engine}}',
    failed: 'Could not switch captions, please try again',
    label: 'Live captions',
  },
  console: {
    signVariant: 'Sign language: {{name}}',
    signVariantBadge: 'Sign: {{name}}',
  },
  reconnect: {
    banner: 'Unstable network, reconnecting…',
    agentAway: 'The staff member’s network is unstable, please wait',
    boothAway: 'The resident’s network is unstable, waiting for them to reconnect',
  },
};
