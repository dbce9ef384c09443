/**
 * Chinese texts (default language). Residents are often elderly: short
 * sentences, plain words, and always say what to do next.
 * `en.ts` must have exactly the same keys (checked by its type).
 */
import type { ErrorCode } from '../errors';
import type { CallEndReason } from '../protocol';
import type { AgentState, AwayReason, Disposition } from '../agent-state';

/** Why a call ended, as the clients see it: the server's reasons plus local ones. */
export type EndReason = CallEndReason | 'network' | 'error';

export const zhCN = {
  common: {
    languageLabel: '语言 / Language',
    langZh: '中文',
    langEn: 'English',
    close: '关闭',
    back: '返回',
  },

  /** One text per ErrorCode, shown to residents and agents instead of raw messages. */
  errors: {
    BAD_REQUEST: '操作没有成功，请再试一次',
    FORBIDDEN: '这台设备不能进行此操作，请联系工作人员',
    NOT_FOUND: '没有找到这次通话，请重新呼叫',
    NOT_IN_SESSION: '您已不在这次通话中，请重新呼叫',
    CALL_UNAVAILABLE: '该呼叫已被接听或已取消',
    CALL_ALREADY_ACTIVE: '您已经在呼叫中了，请稍候',
    UNAUTHORIZED: '设备身份验证没有通过，请联系工作人员',
    MEDIA_REJECTED: '视频连接没有成功，请重新呼叫',
    TIMEOUT: '网络有点慢，请稍后再试',
    INTERNAL: '系统出了点问题，请稍后再试',
    INVALID_STATE: '当前状态下不能进行这个操作',
    OUT_OF_HOURS: '现在不在这项业务的服务时间内，请在服务时间内再来',
    SLOT_UNAVAILABLE: '这个预约时段已约满或不能再预约，请选择其他时段',
    RATE_LIMITED: '尝试次数太多，请稍等一分钟再试',
  } satisfies Record<ErrorCode, string>,

  /** Camera / microphone problems (getUserMedia and WebRTC support). */
  deviceErrors: {
    permissionDenied: '没有获得摄像头和麦克风的使用权限，请联系现场工作人员',
    notFound: '没有找到摄像头或麦克风，请联系现场工作人员检查设备',
    inUse: '摄像头或麦克风正在被占用，请稍后再试或联系工作人员',
    unsupported: '这台设备不支持视频通话，请联系现场工作人员',
    failed: '摄像头或麦克风没有打开，请联系现场工作人员',
  },

  booth: {
    title: '政务晓屋',
    subtitle: '社区政务视频服务',

    /** Device enrollment (登记) and sign-in of the kiosk itself. */
    enroll: {
      notEnrolledTitle: '本设备尚未登记，请联系工作人员',
      notEnrolledHint: '工作人员完成设备登记后，即可在这里视频办事',
      enrolling: '正在登记本设备……',
      connecting: '正在连接政务服务中心……',
      failedTitle: '设备登记没有成功，请联系工作人员',
      rejectedTitle: '本设备的登记信息已失效，请联系工作人员',
      unreachableTitle: '暂时连接不上政务服务中心',
      retryIn: '{{seconds}} 秒后自动重试',
      retryNow: '立即重试',
    },

    home: {
      heading: '请选择您要办理的事项',
      searchLabel: '搜索事项',
      searchPlaceholder: '输入名称或拼音首字母，如“退休”“tx”',
      searchClear: '清除',
      searching: '正在查找……',
      results: '找到 {{count}} 个相关事项，请点选',
      noResults: '没有找到相关事项。您可以按部门查找，或直接咨询坐席',
      popular: '常办事项',
      departments: '按部门查找',
      departmentCount: '{{count}} 个事项',
      consult: '不确定办什么？直接咨询坐席',
      consultHint: '工作人员会帮您弄清楚要办什么、要带哪些材料',
      loading: '正在加载事项……',
      loadFailed: '事项清单没有加载出来。您可以直接咨询坐席，或稍后再试',
      retry: '重新加载',
    },

    matter: {
      sameDay: '当场办结',
      days: '{{count}} 个工作日办结',
      dayOne: '1 个工作日办结',
      onSite: '需本人到现场',
    },

    department: {
      back: '返回首页',
      pick: '请点选您要办理的事项',
      empty: '该部门暂无可以在晓屋办理的事项，您可以直接咨询坐席',
    },

    /** The one-time notice (一次性告知) before the call. */
    notice: {
      label: '一次性告知',
      intro: '办理前，请对照下面的内容准备材料',
      loading: '正在加载办事指南……',
      loadFailed: '办事指南没有加载出来，请返回重新选择，或直接咨询坐席',
      onSiteTitle: '请注意：此事项需要您本人到现场办理',
      conditions: '办理条件',
      materials: '需要准备的材料（共 {{count}} 项）',
      materialForm: '{{form}} {{count}} 份',
      sampleHint: '拍摄提示：{{hint}}',
      commitment: '本事项实行告知承诺制：标有「可告知承诺替代」的材料，可以签署承诺书代替。',
      timeLimit: '办理时限',
      fee: '收费标准',
      delivery: '结果领取方式',
      code: '事项编码：{{code}}',
      call: '材料备齐了，呼叫坐席',
      back: '返回',
      scrollMore: '向下还有内容，点这里继续看',
      nextStep: '以上就是全部内容。材料备齐后，请按右下角「材料备齐了，呼叫坐席」',
    },

    /** Optional needs on the notice and consult screens. */
    options: {
      title: '如有需要，请勾选：',
      sign: '我需要手语服务',
      priority: '老年人/残疾人优先（帮办代办）',
    },

    errorTitle: '抱歉，呼叫没有成功',
    errorNextStep: '您可以再按一次呼叫按钮，或请现场工作人员帮忙',
    cancelled: '已取消呼叫',
    waitingTitle: '正在为您接通坐席，请稍候',
    matterLabel: '办理事项：{{name}}',
    consultMatter: '咨询坐席',
    openingCamera: '正在打开摄像头和麦克风……',
    joiningQueue: '正在排队……',
    ahead: '您前面还有 {{count}} 位',
    youAreNext: '马上就轮到您了',
    agentRinging: '坐席正在接听，请稍候',
    waitMinutes: '预计等待约 {{count}} 分钟',
    waitUnderMinute: '预计等待不到 1 分钟',
    noAgent: '当前暂无坐席在线，您可以继续等待或稍后再来',
    waited: '已等待 {{time}}',
    waitingNextStep: '工作人员接听后，屏幕上会出现他们的画面',
    cameraNotice: '通话时会打开摄像头和麦克风',
    cancel: '取消呼叫',
    selfView: '您的画面',
    inCallWith: '正在与 {{name}} 通话',
    agentFallbackName: '坐席工作人员',
    callDuration: '通话时间 {{time}}',
    remoteConnecting: '正在连接工作人员的画面……',
    inCallHint: '请看着屏幕，直接说话',
    hangup: '结束通话',
    confirmTitle: '确定结束通话吗？',
    confirmYes: '确定结束',
    confirmNo: '继续通话',
    endedTitle: '通话已结束，感谢您的使用',
    /** Extra line on the end screen; a normal hang-up needs none. */
    endReason: {
      'party-left': '对方已离开通话',
      'media-failure': '视频连接出现问题，通话已结束，需要时请重新呼叫',
      'server-shutdown': '服务正在维护，请稍后再呼叫',
      network: '网络中断，通话已结束，需要时请重新呼叫',
      error: '视频连接出现问题，通话已结束，需要时请重新呼叫',
      transferred: '已为您转接其他工作人员',
    } satisfies Record<Exclude<EndReason, 'hangup'>, string>,
    backHome: '返回首页',
    backHomeIn: '{{seconds}} 秒后自动返回首页',
    reconnecting: '网络不稳定，正在重连……',
  },

  agent: {
    title: '云坐席工作台',
    agentLabel: '坐席：{{name}}',
    status: {
      connecting: '正在连接……',
      online: '已连接',
      offline: '连接中断，正在重连……',
    },
    statusLabel: '连接状态：{{status}}',
    logout: '退出登录',
    logoutInCall: '通话中不能退出登录',

    login: {
      title: '坐席登录',
      subtitle: '政务晓屋 · 云坐席工作台',
      username: '用户名',
      password: '密码',
      submit: '登录',
      submitting: '正在登录……',
      required: '请输入用户名和密码',
      wrongCredentials: '用户名或密码不正确',
      notAgent: '该账号不是坐席账号，不能登录坐席工作台',
      expired: '登录已失效，请重新登录',
      loggedOut: '您已退出登录',
    },

    /** 坐席状态 and the manual choices 示闲 / 示忙 / 下线. */
    state: {
      label: '坐席状态',
      names: {
        offline: '离线',
        available: '空闲',
        offered: '振铃',
        'in-call': '通话中',
        'wrap-up': '话后处理',
        away: '示忙',
      } satisfies Record<AgentState, string>,
      since: '已持续 {{time}}',
      setAvailable: '示闲',
      setAway: '示忙',
      setOffline: '下线',
      awayReason: '示忙原因',
      reasons: {
        break: '小休',
        meal: '用餐',
        meeting: '会议',
        training: '培训',
        other: '其他',
        'missed-offer': '未及时接听',
      } satisfies Record<AwayReason, string>,
      /** Reasons the server sets by itself. */
      autoReasons: {
        declined: '拒接',
        disconnected: '连接中断',
        withdrawn: '居民已取消',
        'wrap-up-timeout': '话后处理超时',
        'setup-failed': '通话建立失败',
      },
      hint: {
        offline: '您当前为离线状态，按「示闲」开始接听来电',
        available: '正在等待来电。来电时这里会显示振铃提示',
        offered: '有来电，请接听或拒接',
        'in-call': '通话中',
        'wrap-up': '请填写话后小结，完成后继续接听',
        away: '您当前为示忙状态，不会收到来电。按「示闲」继续接听',
      } satisfies Record<AgentState, string>,
    },

    /** The ringing panel (振铃). */
    offer: {
      title: '来电振铃',
      booth: '来自：{{name}}',
      matter: '事项：{{name}}',
      consult: '咨询（居民未选择事项）',
      waited: '居民已等待 {{time}}',
      countdown: '{{seconds}} 秒内未接听，将转给其他坐席',
      priority: '优先 · 帮办代办',
      sign: '需要手语',
      language: '需要方言：{{code}}',
      transferFrom: '转接自：{{name}}',
      transferNote: '转接说明：{{note}}',
      answer: '接听',
      decline: '拒接',
      answering: '正在接通……',
      withdrawnCancelled: '居民已取消呼叫',
      withdrawnMissed: '未及时接听，已转给其他坐席，您已被置为示忙',
    },

    /** Queue overview (排队概况). */
    queue: {
      title: '排队概况',
      skill: '业务',
      waiting: '等待人数',
      longest: '最长等待',
      empty: '暂无居民排队',
      total: '共 {{count}} 位居民在等待',
      consult: '咨询',
      mine: '我的业务',
      agentsTitle: '坐席状态',
    },

    /** Wrap-up (话后小结). */
    wrapUp: {
      title: '话后小结',
      lastCall: '刚才的通话：{{booth}} · {{matter}}',
      disposition: '处理结果',
      note: '备注（可选）',
      countdown: '{{seconds}} 秒后自动示闲',
      submit: '完成，继续接听',
      submitting: '正在提交……',
      required: '请先选择处理结果',
      timedOut: '话后处理时间已到，已自动示闲',
      dispositions: {
        resolved: '已办结',
        'accepted-case': '已受理',
        'needs-materials': '需补材料',
        referred: '已转办',
        'consult-only': '仅咨询',
        dropped: '通话中断',
        other: '其他',
      } satisfies Record<Disposition, string>,
    },

    inCallWith: '通话中：{{booth}}',
    inCallMatter: '办理事项：{{name}}',
    boothFallbackName: '社区晓屋',
    boothId: '设备编号：{{id}}',
    callDuration: '通话时长 {{time}}',
    residentVideo: '居民画面',
    selfVideo: '我的画面',
    documentVideo: '高拍仪画面',
    remoteConnecting: '正在等待居民画面……',
    othersWaiting: '另有 {{count}} 位居民在排队',
    hangup: '挂断',
    confirmTitle: '确定挂断本次通话吗？',
    confirmBody: '挂断后，居民需要重新呼叫。',
    confirmYes: '确定挂断',
    confirmNo: '取消',
    callEnded: '通话已结束',
    endReason: {
      hangup: '通话已挂断',
      'party-left': '居民已离开通话',
      'media-failure': '媒体连接失败，通话已结束',
      'server-shutdown': '服务器维护，通话已结束',
      network: '网络中断，通话已结束',
      error: '媒体连接失败，通话已结束',
      transferred: '已转接给其他坐席，您已离开通话',
    } satisfies Record<EndReason, string>,
    signInFailed: '无法连接工作台',
  },
};

export type Messages = typeof zhCN;
