// The text of a notice in the user's language: the server sends only the
// kind and its facts (params); shared by the bell's dialog and the inbox.
import { roleLabel } from '../i18n/index.js';

function formatTime(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}

export function noticeText(n, t, te) {
  const p = n.params || {};
  const args = {
    actor: n.actor_name || '—',
    account: p.account || '',
    username: p.username || '',
    role: p.role ? roleLabel(p.role, p.role_label) : '',
    unit: p.unit || '',
    requested_by: p.requested_by || '',
    at: formatTime(p.signed_in_at || n.created_at),
    kind: n.kind,
  };
  const key = `notices.kinds.${n.kind}`;
  return te(key) ? t(key, args) : t('notices.kinds.other', args);
}

// Kinds about the account itself or who may read data (its password, a
// sign-in with its login slip, role grants): these open the dialog at
// sign-in like urgent ones; work to-dos wait in the inbox and the bell.
export const kAccountKinds = new Set(['password_reset', 'slip_reset', 'grant_requested', 'grant_approved', 'grant_rejected']);

export function opensDialog(n) {
  return !n.read && (n.urgent || kAccountKinds.has(n.kind));
}

// Where a notice leads in the web UI: the server's link, else the crisis
// case or the referrals named in its facts when the account may open them
// (`can(capability)`: the session's check); null when nowhere.
export function noticeLink(n, can) {
  if (n.link && n.link.startsWith('/')) return n.link;
  const p = n.params || {};
  if (p.case_id && /^\d+$/.test(p.case_id) && can('crisis.cases')) return `/crisis/cases/${p.case_id}`;
  if (p.referral_id && can('crisis.referrals')) return '/crisis/referrals';
  return null;
}
