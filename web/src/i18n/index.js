// vue-i18n setup: zh-CN by default, English on request; the choice is kept
// in localStorage. Also maps API errors to translated messages.
// Only the Chinese messages are in the first load; English comes in a chunk
// of its own when chosen (docs/performance.md "First load of the web UI").
import { createI18n } from 'vue-i18n';
import zhCN from './zh-CN.js';

const kStorageKey = 'xq_lang';
export const kLanguages = ['zh-CN', 'en'];

function initialLocale() {
  try {
    const saved = localStorage.getItem(kStorageKey);
    if (kLanguages.includes(saved)) return saved;
  } catch {
    // Storage may be unavailable (private mode); fall back to the default.
  }
  return 'zh-CN';
}

// Keys asked for that have no message (in the language or in Chinese). The
// browser tests read the list on every page they visit and fail on any key:
// each area's messages come with the views that show them (vite build), so a
// key shown before its messages arrived would land here. Keys built from a
// missing field (`crisis.steps.undefined`) are left out: Element Plus's table
// columns call their cell slot once with an empty row to look for nested
// columns, and nothing of that call is shown (the tests look for a visible
// "undefined" on the page instead).
const missingMessages = [];
if (typeof window !== 'undefined') window.__xqMissingMessages = missingMessages;
const kFromMissingField = /\.(undefined|null)$/;

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN },
  missing: (_locale, key) => {
    if (kFromMissingField.test(key) || i18n.global.te(key, 'zh-CN') || missingMessages.includes(key)) return;
    missingMessages.push(key);
  },
});

const kLoaders = { en: () => import('./en.js') };

async function loadMessages(locale) {
  if (!kLoaders[locale] || i18n.global.availableLocales.includes(locale)) return;
  const { default: messages } = await kLoaders[locale]();
  i18n.global.setLocaleMessage(locale, messages);
}

// The saved language's messages (main.js mounts the app once they are in).
export const i18nReady = (async () => {
  const locale = i18n.global.locale.value;
  try {
    await loadMessages(locale);
  } catch {
    i18n.global.locale.value = 'zh-CN'; // chunk unreachable: the default language
  }
})();

export async function setLocale(locale) {
  if (!kLanguages.includes(locale)) return;
  await loadMessages(locale);
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(kStorageKey, locale);
  } catch {
    // Not persisted; the switch still applies to this page.
  }
}

// Human message for an ApiError (or anything thrown), from its code.
export function errorMessage(err) {
  const { t, te } = i18n.global;
  const code = err && err.code;
  let msg = code && te(`errors.${code}`) ? t(`errors.${code}`) : t('errors.internal');
  if (err && err.field) {
    // Fields may be JSON paths such as roles[0].unit_id; name the last part.
    const last = String(err.field).split(/[.[\]]/).filter(Boolean).pop();
    const name = te(`fields.${last}`) ? t(`fields.${last}`) : err.field;
    msg += t('errors.field', { field: name });
  }
  return msg;
}

// Translated role label, falling back to the server's label.
export function roleLabel(role, serverLabel) {
  const { t, te } = i18n.global;
  return te(`roles.${role}`) ? t(`roles.${role}`) : serverLabel || role;
}
