// English strings of the screening loop as students, guardians and
// psychology staff meet it (merged into en.js; keys equal to flow.zh-CN.js).
export default {
  todos: {
    title: 'To-dos',
    none: 'Nothing to do right now',
    survey: 'You have {n} questionnaire(s) to complete',
    surveyOf: '{name} · due {d}',
    reminded: 'Your teacher reminded you',
    start: 'Start',
    consent: 'Please decide whether {child} takes part in "{name}"',
    consentOf: 'Due {d}',
    consentGo: 'Decide',
    childSurvey: '{child} has a questionnaire to complete: {name} (due {d})',
    childReminded: 'Reminded by the teacher',
    urgent: 'Open urgent warnings',
    urgentHint: 'Contact the students soon and make sure they are safe.',
    followUps: 'Follow-ups due within 24 hours',
    followUpsOverdue: '{n} of them overdue',
    campaigns: 'Screenings in progress',
    count: '{n}',
    open: 'Open',
  },
  flowProgress: {
    awaitingConsent: 'Awaiting consent',
    awaitingTag: 'awaiting consent',
    remindHint: "A reminder appears as a to-do on the student's home page, and for a minor also on the guardian's. For students awaiting consent it goes to the guardian.",
    reminded: 'Added as home-page to-dos: {students} students, {guardians} guardians ({consent} of them to decide on consent). SMS and WeChat notices are not available yet; nothing else was sent.',
    noGuardianAccount: 'The guardians of {n} students have no account and cannot see the to-do; please contact them another way.',
  },
  flowConsent: {
    runBy: '{owner} · {from} to {to}',
    school: 'School: {school}',
    change: 'Change decision',
  },
  flowWarnings: {
    count: '{n} warnings',
    ackAll: 'Acknowledge all ({n})',
  },
  flowAnswer: {
    noticeTitle: 'Notice',
    noticeContinue: 'I have read it, start',
    reachOutTitle: 'You are not alone. Talk to someone now',
    call: 'Call',
  },
};
