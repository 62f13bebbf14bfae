// Simplified Chinese strings of the screening loop as students, guardians
// and psychology staff meet it: home to-dos, menu counts, reminders, the
// notice before answering and the consent page (merged into zh-CN.js).
// Student and guardian wording is neutral: no scores or diagnostic terms.
export default {
  todos: {
    title: '待办事项',
    none: '目前没有待办事项',
    survey: '你有 {n} 份问卷待完成',
    surveyOf: '{name} · 截止 {d}',
    reminded: '老师提醒你完成',
    start: '去完成',
    consent: '请确认 {child} 是否参加“{name}”',
    consentOf: '截止 {d}',
    consentGo: '去确认',
    childSurvey: '{child} 还有问卷未完成：{name}（截止 {d}）',
    childReminded: '老师已提醒',
    urgent: '待处理的紧急预警',
    urgentHint: '请尽快联系学生，确认安全。',
    followUps: '24 小时内到期的随访',
    followUpsOverdue: '其中已逾期 {n} 项',
    campaigns: '进行中的测评',
    networkWarnings: '待接收的预警',
    networkWarningsHint: '请查看并接收；未按时接收的预警会逐级上报。',
    networkWarningsNone: '目前没有需要您接收的预警。',
    networkWarningsMine: '其中 {n} 条正在您这一级，请优先查看并接收。',
    weekly: '{cls} 本周的心理委员周报还未提交',
    weeklyHint: '{week}：本周没有发现异常，也请提交“本周无异常”。',
    weeklyGo: '去提交',
    counsellingToday: '今天的辅导预约',
    counsellingNext: '下一位 {at}',
    referralsWaiting: '{n} 份教师转介待接收',
    count: '{n}',
    open: '查看',
  },
  flowProgress: {
    awaitingConsent: '待监护人同意',
    awaitingTag: '待同意',
    remindHint: '提醒会作为待办出现在同学的首页；未成年同学的监护人首页同时出现。等待同意的同学，提醒发给监护人。',
    reminded: '已加入首页待办：{students} 名同学，{guardians} 位监护人（其中 {consent} 位待确认知情同意）。短信、微信等通知尚未开通，没有另外送达。',
    noGuardianAccount: '{n} 名同学的监护人还没有账号，无法收到待办，请另行联系。',
  },
  flowConsent: {
    runBy: '{owner} · {from} 至 {to}',
    school: '学校：{school}',
    change: '更改决定',
  },
  flowWarnings: {
    count: '{n} 条',
    ackAll: '全部确认（{n} 条）',
  },
  flowAnswer: {
    noticeTitle: '告知书',
    noticeContinue: '我已阅读，开始作答',
    reachOutTitle: '你并不孤单，现在就找人说一说',
    call: '拨打',
  },
};
