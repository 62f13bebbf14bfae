// Page titles: "<view> - 心桥" after every navigation, language switch and
// sign-in. The view's name is the label of the menu entry the user sees for
// this path (so 测评管理 and 测评批次 stay as the menu calls them), else the
// route's meta.title; a page the user may not open is titled 无权访问.
import { watchEffect } from 'vue';
import { useRoute } from 'vue-router';
import { useI18n } from 'vue-i18n';
import { kMenu } from '../menu.js';
import { useSessionStore } from '../stores/session.js';

// The i18n key naming the page, or '' for none.
export function pageTitleKey(route, session) {
  if (route.meta?.capability && session.signedIn && !session.has(route.meta.capability)) {
    return 'forbidden.title';
  }
  const entry = kMenu.find((item) => item.path && item.path === route.path && session.has(item.capability));
  if (entry && session.signedIn) return entry.label;
  return route.meta?.title || '';
}

export function usePageTitle() {
  const route = useRoute();
  const session = useSessionStore();
  const { t } = useI18n();
  watchEffect(() => {
    const key = pageTitleKey(route, session);
    const app = t('app.name');
    document.title = key ? `${t(key)} - ${app}` : app;
  });
}
