// One function per API endpoint (docs/api/openapi.yaml). Every function
// returns the decoded JSON answer or throws ApiError (see client.js).
import { download, request } from './client.js';

export { ApiError, setCsrfToken, setPasswordChangeHandler, setUnauthenticatedHandler } from './client.js';

// --- health and auth
export const getHealth = () => request('GET', '/health');
export const login = (username, password) =>
  request('POST', '/auth/login', { json: { username, password }, allow401: true });
export const getMe = () => request('GET', '/auth/me', { allow401: true });
export const logout = () => request('POST', '/auth/logout', { allow401: true });
export const changePassword = (currentPassword, newPassword) =>
  request('POST', '/auth/password', {
    json: { current_password: currentPassword, new_password: newPassword },
    // A wrong current password may answer 401; the view tells the cases apart.
    allow401: true,
  });

// --- public
export const listHotlines = () => request('GET', '/hotlines');
export const listEditableHotlines = () => request('GET', '/hotlines/editable');
export const saveHotlines = (unitId, lines) =>
  request('PUT', `/hotlines/units/${encodeURIComponent(unitId)}`, { json: { lines } });
export const getHotlineAwareness = () => request('GET', '/hotlines/awareness/me');
export const confirmHotlineAwareness = (via = 'sign_in') =>
  request('POST', '/hotlines/awareness/confirm', { json: { via } });
export const markHotlineClassMeeting = (classId) =>
  request('POST', '/hotlines/awareness/class-meetings', { json: { class_id: classId } });
export const getHotlineAwarenessRates = (unitId) =>
  request('GET', '/hotlines/awareness/rates', { query: unitId ? { unit_id: unitId } : {} });

// --- organisation
// No parentId: the caller's scope roots.
export const listOrgUnits = (parentId) =>
  request('GET', '/org-units', { query: { parent_id: parentId } });
export const getOrgUnit = (id) => request('GET', `/org-units/${encodeURIComponent(id)}`);

// --- roster
// params: {unit_id, q, page_size, after}
export const listStudents = (params) => request('GET', '/students', { query: params });
// csvText: the file's bytes (Blob/File or string), sent unchanged.
export const importRoster = (schoolId, csv) =>
  request('POST', '/roster-imports', {
    query: { school_id: schoolId },
    body: csv,
    contentType: 'text/csv',
  });

// --- accounts
// params: {q, unit_id, page_size, after}
export const listAccounts = (params) => request('GET', '/accounts', { query: params });
// account: {username, display_name, password, roles:[{role, unit_id}]}
export const createAccount = (account) => request('POST', '/accounts', { json: account });
export const addRoleGrant = (accountId, role, unitId) =>
  request('POST', `/accounts/${encodeURIComponent(accountId)}/roles`, {
    json: { role, unit_id: unitId },
  });
export const removeRoleGrant = (accountId, roleId) =>
  request(
    'DELETE',
    `/accounts/${encodeURIComponent(accountId)}/roles/${encodeURIComponent(roleId)}`,
  );

// Psychology staff, crisis group, expert and hospital liaison answer 202
// with a pending grant request ({state: 'pending', …}) instead of a grant.
// state: 'pending' (default) | 'approved' | 'rejected' | 'all'
export const listGrantRequests = (state) => request('GET', '/grant-requests', { query: { state } });
export const approveGrantRequest = (id) =>
  request('POST', `/grant-requests/${encodeURIComponent(id)}/approval`);
export const rejectGrantRequest = (id) =>
  request('POST', `/grant-requests/${encodeURIComponent(id)}/rejection`);

// --- notices (the signed-in account's own)
export const listNotices = (unread) =>
  request('GET', '/notices', { query: { unread: unread ? 'true' : undefined } });
// One page of the inbox: after is the previous page's `next`.
export const pageNotices = ({ unread, after, pageSize } = {}) =>
  request('GET', '/notices', { query: { unread: unread ? 'true' : undefined, after: after || undefined, page_size: pageSize } });
export const markNoticeRead = (id) => request('POST', `/notices/${encodeURIComponent(id)}/read`);
export const markAllNoticesRead = () => request('POST', '/notices/read-all', { json: {} });

// --- audit
// params: {before, page_size}
export const listAuditEvents = (params) => request('GET', '/audit-events', { query: params });

// --- screening (campaigns, answering, progress, results, aggregates)
const enc = encodeURIComponent;
export const listScreeningTemplates = () => request('GET', '/screening-templates');
// The scale library (licence, wording status, norm sets) for the picker.
export const listInstruments = () => request('GET', '/instruments');
export const listCampaigns = () => request('GET', '/campaigns');
export const getCampaign = (id) => request('GET', `/campaigns/${enc(id)}`);
// campaign: {template, name, scales:[{instrument_id}], unit_ids, opens_on,
// closes_on, notice, consent_text, …}
export const createCampaign = (campaign) => request('POST', '/campaigns', { json: campaign });
// decision: "consent" | "decline"
export const recordConsent = (campaignId, studentId, decision) =>
  request('POST', `/campaigns/${enc(campaignId)}/consents`, {
    json: { student_id: studentId, decision },
  });
export const listConsentRequests = () => request('GET', '/consent-requests');
// No unitId: the caller's widest unit the campaign reaches.
export const getCampaignProgress = (id, unitId) =>
  request('GET', `/campaigns/${enc(id)}/progress`, { query: { unit_id: unitId } });
export const listNonRespondents = (id, unitId) =>
  request('GET', `/campaigns/${enc(id)}/non-respondents`, { query: { unit_id: unitId } });
export const sendReminders = (id, unitId) =>
  request('POST', `/campaigns/${enc(id)}/reminders`, { json: { unit_id: unitId } });
export const getCampaignResults = (id, unitId) =>
  request('GET', `/campaigns/${enc(id)}/results`, { query: { unit_id: unitId } });
// params: {unit_id, by: "grade,sex", instrument_id, k}
export const getCampaignAggregates = (id, params) =>
  request('GET', `/campaigns/${enc(id)}/aggregates`, { query: params });
// body: {kind: "results" | "aggregates", reason, unit_id, by, instrument_id}
// → {blob, filename}
export const exportCampaign = (id, body) => download('POST', `/campaigns/${enc(id)}/exports`, { json: body });
export const getStudentScreeningHistory = (studentId) =>
  request('GET', `/students/${enc(studentId)}/screening-results`);
export const listAssignments = () => request('GET', '/assignments');
// The caller's to-dos for the home page and the menu's badge counts.
export const getTodos = () => request('GET', '/todos');
export const getAssignment = (id) => request('GET', `/assignments/${enc(id)}`);
export const saveDraft = (id, answers, position) =>
  request('PUT', `/assignments/${enc(id)}/draft`, { json: { answers, position } });
// submissionId: generated once per attempt, so a retry is idempotent.
export const submitAssignment = (id, submissionId, answers, elapsedSeconds) =>
  request('POST', `/assignments/${enc(id)}/submission`, {
    json: { submission_id: submissionId, answers, elapsed_seconds: elapsedSeconds },
  });
// class_id → {items:[{student_no, name, login, code, qr_text, expires_at}]}
export const issueLoginSlips = (classId) => request('POST', '/login-slips', { json: { class_id: classId } });

// --- warnings, follow-ups, attention levels
// state: "open" | "acknowledged" | …
export const listWarnings = (state) => request('GET', '/warnings', { query: { state } });
export const acknowledgeWarning = (id) => request('POST', `/warnings/${enc(id)}/acknowledgement`);
// params: {state, overdue: "true"}
export const listFollowUps = (params) => request('GET', '/follow-ups', { query: params });
// interview: {outcome: "confirmed" | "cleared", level, guidance, notes, valid_days}
export const recordInterview = (id, interview) =>
  request('POST', `/follow-ups/${enc(id)}/interview`, { json: interview });
export const listAttentionLevels = () => request('GET', '/attention-levels');
// Sign-in with a login slip; newPassword replaces the one-time code.
export const slipLogin = (login, code, newPassword) =>
  request('POST', '/auth/slip-login', {
    json: { login, code, new_password: newPassword || undefined },
    allow401: true,
  });

// --- two-factor sign-in (the challenge token from the login answer is the
// credential of these three calls; no session exists yet)
export const verifyTwoFactor = (challenge, { code, recoveryCode } = {}) =>
  request('POST', '/auth/two-factor/verify', {
    json: { challenge, code: code || undefined, recovery_code: recoveryCode || undefined },
    allow401: true,
  });
export const startTwoFactorEnrolment = (challenge) =>
  request('POST', '/auth/two-factor/enrol', { json: { challenge }, allow401: true });
export const confirmTwoFactorEnrolment = (challenge, code) =>
  request('POST', '/auth/two-factor/enrol/confirm', { json: { challenge, code }, allow401: true });
export const getTwoFactorState = () => request('GET', '/auth/two-factor');
export const resetTwoFactor = (accountId) =>
  request('POST', `/accounts/${encodeURIComponent(accountId)}/two-factor/reset`);
export const getTwoFactorSetting = () => request('GET', '/settings/two-factor');
export const setTwoFactorSetting = (required) =>
  request('PUT', '/settings/two-factor', { json: { required } });
// --- what staff see of screening
// params: {unit_id, class_id, band, sort, page_size, after} → {items, next, total, bands, classes}
export const listCampaignResults = (id, params) =>
  request('GET', `/campaigns/${encodeURIComponent(id)}/results`, { query: params });
export const getDiagnosticWords = () => request('GET', '/diagnostic-words');
export const getSuppressionSetting = () => request('GET', '/settings/suppression');
export const putSuppressionSetting = (k) => request('PUT', '/settings/suppression', { json: { k } });

// --- archive (一人一档) and plans (一生一策)
// params: {module, page_size, after}
export const getTimeline = (studentId, params) =>
  request('GET', `/students/${encodeURIComponent(studentId)}/timeline`, { query: params });
export const listContacts = (studentId, params) =>
  request('GET', `/students/${encodeURIComponent(studentId)}/contacts`, { query: params });
export const recordContact = (body) => request('POST', '/contacts', { json: body });
export const getMyQuota = (schoolYear) => request('GET', '/contact-quota', { query: { school_year: schoolYear } });
export const getSchoolQuota = (schoolYear) =>
  request('GET', '/contact-quota/school', { query: { school_year: schoolYear } });
export const listTransfers = (studentId) => request('GET', `/students/${encodeURIComponent(studentId)}/transfers`);
export const recordTransfer = (studentId, body) =>
  request('POST', `/students/${encodeURIComponent(studentId)}/transfers`, { json: body });
export const getStudentPlan = (studentId) => request('GET', `/students/${encodeURIComponent(studentId)}/plan`);
export const createPlan = (studentId, body) =>
  request('POST', `/students/${encodeURIComponent(studentId)}/plan`, { json: body });
export const getPlan = (id) => request('GET', `/plans/${encodeURIComponent(id)}`);
export const updatePlan = (id, body) => request('PUT', `/plans/${encodeURIComponent(id)}`, { json: body });
export const addPlanNote = (id, note) => request('POST', `/plans/${encodeURIComponent(id)}/notes`, { json: { note } });
export const closePlan = (id, reason) =>
  request('POST', `/plans/${encodeURIComponent(id)}/closure`, { json: { reason } });
export const listOverdueReviews = (params) => request('GET', '/overdue-plan-reviews', { query: params });
export const listOpenPlans = (params) => request('GET', '/plans', { query: params });
export const listReviewMeetings = (params) => request('GET', '/review-meetings', { query: params });
export const recordReviewMeeting = (body) => request('POST', '/review-meetings', { json: body });
// --- indicators, dashboards and sign-off (R-60…R-62)
export const listIndicators = () => request('GET', '/indicators');
export const getIndicatorHome = () => request('GET', '/indicators/home');
export const getIndicatorUnit = (id, schoolYear) =>
  request('GET', `/indicators/units/${enc(id)}`, { query: { school_year: schoolYear } });
export const getIndicatorTrend = (id) => request('GET', `/indicators/units/${enc(id)}/trend`);
// params: {indicator, school_year, page_size, after}
export const getIndicatorEvidence = (id, params) =>
  request('GET', `/indicators/units/${enc(id)}/evidence`, { query: params });
export const exportIndicators = (id, schoolYear) =>
  download('GET', `/indicators/units/${enc(id)}/export`, { query: { school_year: schoolYear } });
export const listSignOffs = (id, schoolYear) =>
  request('GET', `/indicators/units/${enc(id)}/signoffs`, { query: { school_year: schoolYear } });
export const submitSignOff = (schoolId, schoolYear) =>
  request('POST', '/indicator-signoffs', { json: { school_id: schoolId, school_year: schoolYear } });
export const approveSignOff = (id) => request('POST', `/indicator-signoffs/${enc(id)}/approve`);
export const returnSignOff = (id, comment) =>
  request('POST', `/indicator-signoffs/${enc(id)}/return`, { json: { comment } });
export const acceptSignOff = (id) => request('POST', `/indicator-signoffs/${enc(id)}/accept`);
// --- work records (工作台账)
export const listRecordKinds = () => request('GET', '/work-record-kinds');
export const listRecordScopes = () => request('GET', '/work-record-scopes');
// params: {kind, unit_id, school_year, page_size, after}
export const listRecords = (params) => request('GET', '/work-records', { query: params });
export const createRecord = (record) => request('POST', '/work-records', { json: record });
export const updateRecord = (id, fields) =>
  request('PUT', `/work-records/${encodeURIComponent(id)}`, { json: { fields } });
export const deleteRecord = (id) => request('DELETE', `/work-records/${encodeURIComponent(id)}`);
export const downloadRecordTemplate = (kind) =>
  download('GET', `/work-record-kinds/${encodeURIComponent(kind)}/template.xlsx`);
// file: a File (.xlsx or .csv), sent unchanged; dryRun: check only.
export const importRecords = (kind, { unitId, schoolYear, file, dryRun }) =>
  request('POST', `/work-record-kinds/${encodeURIComponent(kind)}/import`, {
    query: { unit_id: unitId, school_year: schoolYear, dry_run: dryRun ? 1 : 0, file_name: file.name },
    body: file,
    contentType: /\.csv$/i.test(file.name)
      ? 'text/csv'
      : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
// --- crisis cases, green channel, break-glass
// params: {status, page_size, after}
export const listCrisisCases = (params) => request('GET', '/crisis/cases', { query: params });
// c: {student_id, source, source_id, level, record}
export const openCrisisCase = (c) => request('POST', '/crisis/cases', { json: c });
export const getCrisisCase = (id) => request('GET', `/crisis/cases/${enc(id)}`);
// a: {to, record, owner_account_id}
export const advanceCrisisCase = (id, a) => request('POST', `/crisis/cases/${enc(id)}/advance`, { json: a });
// item: {kind, text, starts_at, ends_at}
export const addCrisisItem = (id, item) => request('POST', `/crisis/cases/${enc(id)}/items`, { json: item });
export const uploadGuardianNotice = (id, file) =>
  request('POST', `/crisis/cases/${enc(id)}/guardian-notice`, {
    query: { name: file.name },
    body: file,
    contentType: file.type,
  });
export const downloadGuardianNotice = (id, itemId) =>
  download('GET', `/crisis/cases/${enc(id)}/guardian-notice/${enc(itemId)}`);
export const consultExpert = (id, accountId) =>
  request('POST', `/crisis/cases/${enc(id)}/consults`, { json: { account_id: accountId } });
export const breakGlass = (id, reason) => request('POST', `/crisis/cases/${enc(id)}/break-glass`, { json: { reason } });
export const listGuardianNotices = () => request('GET', '/crisis/guardian-notices');
export const confirmGuardianNotice = (id) => request('POST', `/crisis/guardian-notices/${enc(id)}/confirmation`);
export const listHospitals = () => request('GET', '/crisis/hospitals');
export const listReferrals = (caseId) => request('GET', '/crisis/referrals', { query: { case_id: caseId } });
export const refer = (caseId, hospitalId, summary) =>
  request('POST', `/crisis/cases/${enc(caseId)}/referrals`, { json: { hospital_id: hospitalId, summary } });
export const acceptReferral = (id) => request('POST', `/crisis/referrals/${enc(id)}/acceptance`);
export const recordAppointment = (id, kind, at) =>
  request('POST', `/crisis/referrals/${enc(id)}/appointment`, { json: { kind, at } });
export const answerReferral = (id, clinical, advice) =>
  request('POST', `/crisis/referrals/${enc(id)}/feedback`, { json: { clinical_summary: clinical, advice } });
export const listBreakGlass = (unreviewed) =>
  request('GET', '/crisis/break-glass', { query: { unreviewed: unreviewed ? 'true' : 'false' } });
export const reviewBreakGlass = (id, comment) =>
  request('POST', `/crisis/break-glass/${enc(id)}/review`, { json: { comment } });
export const uploadCertificate = (caseId, file) =>
  request('POST', `/crisis/cases/${enc(caseId)}/return/certificate`, {
    query: { name: file.name },
    body: file,
    contentType: file.type,
  });
export const getReturn = (caseId) => request('GET', `/crisis/cases/${enc(caseId)}/return`);
export const writeReturnPlan = (caseId, assessment, plan) =>
  request('POST', `/crisis/cases/${enc(caseId)}/return/plan`, { json: { assessment, plan } });
export const listGuidance = () => request('GET', '/crisis/guidance');
// params: {case_id} or {student_id}
export const getTrace = (params) => request('GET', '/crisis/trace', { query: params });
export const downloadTrace = (params) => download('GET', '/crisis/trace/export', { query: params });

// --- counselling: schedules, booking, waitlist, referrals, session
// records (D5), supervision shares
export const listCounsellingSlots = (params) => request('GET', '/counselling/slots', { query: params });
export const publishCounsellingSlots = (slots) => request('POST', '/counselling/slots', { json: { slots } });
export const withdrawCounsellingSlot = (id) => request('DELETE', `/counselling/slots/${enc(id)}`);
// studentId/source: a walk-in or a referral booked by the centre's staff.
export const bookCounselling = (slotId, studentId, source) =>
  request('POST', '/counselling/bookings', {
    json: studentId ? { slot_id: slotId, student_id: studentId, source } : { slot_id: slotId },
  });
export const listMyCounsellingBookings = (params) => request('GET', '/counselling/bookings', { query: params });
export const cancelCounselling = (id) => request('POST', `/counselling/bookings/${enc(id)}/cancellation`);
export const markCounselling = (id, state) =>
  request('POST', `/counselling/bookings/${enc(id)}/attendance`, { json: { state } });
export const listCounsellingWaitlist = () => request('GET', '/counselling/waitlist');
export const joinCounsellingWaitlist = (slotId) => request('POST', '/counselling/waitlist', { json: { slot_id: slotId } });
export const leaveCounsellingWaitlist = (id) => request('DELETE', `/counselling/waitlist/${enc(id)}`);
export const referToCounselling = (studentId, reason) =>
  request('POST', '/counselling/referrals', { json: { student_id: studentId, reason } });
export const listCounsellingReferrals = (params) => request('GET', '/counselling/referrals', { query: params });
export const receiveCounsellingReferral = (id) => request('POST', `/counselling/referrals/${enc(id)}/receipt`);
export const createCounsellingRecord = (body) => request('POST', '/counselling/records', { json: body });
export const listCounsellingRecords = (params) => request('GET', '/counselling/records', { query: params });
export const getCounsellingRecord = (id) => request('GET', `/counselling/records/${enc(id)}`);
export const shareCounsellingRecord = (id, expertAccountId, summary) =>
  request('POST', `/counselling/records/${enc(id)}/shares`, { json: { expert_account_id: expertAccountId, summary } });
// The experts the caller's school may share a summary with (督导).
export const listCounsellingExperts = (params) => request('GET', '/counselling/experts', { query: params });
export const listCounsellingShares = (params) => request('GET', '/counselling/shares', { query: params });
