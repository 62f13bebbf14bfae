// Entry point of the xinqiao web UI.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import * as Icons from '@element-plus/icons-vue';
import App from './App.vue';
import { router } from './router/index.js';
import { i18n } from './i18n/index.js';
import { setPasswordChangeHandler, setUnauthenticatedHandler } from './api/index.js';
import { useSessionStore } from './stores/session.js';
import './styles.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
app.use(router);
app.use(ElementPlus);
for (const [name, component] of Object.entries(Icons)) app.component(name, component);

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

document.documentElement.lang = i18n.global.locale.value;
app.mount('#app');
