// Entry point of the xinqiao web UI.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
// Element Plus components and icons are imported on demand where templates
// use them (vite.config.js); ElMessage and ElMessageBox are called from
// scripts, so their styles are loaded here.
import 'element-plus/theme-chalk/base.css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import App from './App.vue';
import { router } from './router/index.js';
import { i18n, i18nReady } from './i18n/index.js';
import { setPasswordChangeHandler, setUnauthenticatedHandler } from './api/index.js';
import { useSessionStore } from './stores/session.js';
import './styles.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
app.use(router);

// Any 401 means the session ended: forget it and go to the login page.
setUnauthenticatedHandler(() => {
  const session = useSessionStore(pinia);
  session.forget();
  const current = router.currentRoute.value;
  if (current.name !== 'login') {
    router.push({ name: 'login', query: { redirect: current.fullPath } });
  }
});

// A temporary password allows only the change: go to the password form.
setPasswordChangeHandler(() => {
  const session = useSessionStore(pinia);
  if (session.me) session.me = { ...session.me, must_change_password: true };
  if (router.currentRoute.value.name !== 'password') router.push({ name: 'password' });
});

// The saved language's messages first (English is loaded on demand).
i18nReady.then(() => {
  document.documentElement.lang = i18n.global.locale.value;
  app.mount('#app');
});
