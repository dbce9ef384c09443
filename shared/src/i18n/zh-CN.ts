/**
 * Chinese texts (default language). Residents are often elderly: short
 * sentences, plain words, and always say what to do next.
 * `en.ts` must have exactly the same keys (checked by its type).
 */
import type { ErrorCode } from '../errors';
import type { CallEndReason } from '../protocol';

/** Why a call ended, as the clients see it: the server's reasons plus local ones. */
export type EndReason = CallEndReason | 'network' | 'error';

export const zhCN = {
  common: {
    languageLabel: '语言 / Language',
    langZh: '中文',
    langEn: 'English',
    close: '关闭',
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
    call: '呼叫坐席',
    callHint: '按下按钮，与政务服务中心的工作人员视频通话',
    step1: '按下「呼叫坐席」',
    step2: '稍等片刻，工作人员会接听',
    step3: '看着屏幕，直接说话即可办理',
    cameraNotice: '通话时会打开摄像头和麦克风',
    errorTitle: '抱歉，呼叫没有成功',
    errorNextStep: '您可以再按一次「呼叫坐席」，或请现场工作人员帮忙',
    cancelled: '已取消呼叫',
    waitingTitle: '正在为您接通坐席，请稍候',
    openingCamera: '正在打开摄像头和麦克风……',
    joiningQueue: '正在排队……',
    ahead: '您前面还有 {{count}} 位',
    youAreNext: '马上就轮到您了',
    waited: '已等待 {{time}}',
    waitingNextStep: '工作人员接听后，屏幕上会出现他们的画面',
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
    queueTitle: '等待接听的呼叫',
    queueCount: '{{count}} 个等待中',
    queueEmpty: '暂无等待的呼叫',
    queueAnnouncement: '有 {{count}} 个呼叫正在等待',
    waited: '已等待 {{time}}',
    answer: '接听',
    answerAria: '接听 {{booth}} 的呼叫',
    answering: '正在接通……',
    inCallWith: '通话中：{{booth}}',
    boothFallbackName: '社区晓屋',
    boothId: '设备编号：{{id}}',
    callDuration: '通话时长 {{time}}',
    residentVideo: '居民画面',
    selfVideo: '我的画面',
    documentVideo: '高拍仪画面',
    remoteConnecting: '正在等待居民画面……',
    othersWaiting: '另有 {{count}} 个呼叫在等待',
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
    } satisfies Record<EndReason, string>,
    signInFailed: '无法登录工作台',
  },
};

export type Messages = typeof zhCN;
