// Simplified Chinese strings of two-factor sign-in (双重验证): the second
// sign-in step, the set-up with an authenticator app, recovery codes, the
// reset by another administrator and the city's switch (merged into zh-CN.js).
export default {
  twoFactor: {
    title: '双重验证',
    codeLabel: '动态验证码',
    codeHint: '请打开身份验证器应用，输入显示的 6 位动态验证码。',
    codePlaceholder: '6 位数字',
    verify: '验证并登录',
    useRecovery: '无法使用验证器？使用恢复码',
    useCode: '使用动态验证码',
    recoveryLabel: '恢复码',
    recoveryHint: '每个恢复码只能使用一次。',
    wrongCode: '验证码不正确，请重试',
    expired: '验证已超时，请重新登录',
    rateLimited: '验证失败次数过多，请 {n} 秒后再试',
    restart: '返回重新登录',
    enrolTitle: '设置双重验证',
    enrolIntro: '您的账号可以查看学生的敏感信息或管理账号，登录时需要第二重验证。请用手机上的身份验证器应用扫描下方二维码（或手动输入密钥），然后输入应用显示的动态验证码。',
    secretLabel: '密钥（手动输入时使用）',
    confirm: '确认并登录',
    codesTitle: '请保存恢复码',
    codesIntro: '手机丢失或无法使用验证器时，可用以下恢复码登录，每个只能使用一次。它们只显示这一次，请抄写或打印后妥善保管。',
    codesSaved: '我已保存，进入系统',
    reset: '重置双重验证',
    resetConfirm: '重置后，{name} 下次登录时需要重新设置双重验证，当前登录会被结束。确定重置吗？',
    resetDone: '已重置双重验证',
    citySwitch: '全市启用双重验证',
    citySwitchHint: '开启后，心理中心教师、危机干预工作组、专家、医院联络员和各级账号管理员登录时需输入动态验证码。只有市教委管理员可以更改，更改会记入审计日志。',
    citySwitchSaved: '设置已保存',
  },
};
