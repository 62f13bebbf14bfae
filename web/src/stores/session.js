// The signed-in user (GET /api/v1/auth/me) and what the UI may offer them.
// Capabilities only shape the menu; the server decides every request.
import { defineStore } from 'pinia';
import * as api from '../api/index.js';

export const useSessionStore = defineStore('session', {
  state: () => ({
    me: null,
    // True once /auth/me has been asked (signed in or not).
    checked: false,
  }),
  getters: {
    signedIn: (s) => !!s.me,
    capabilities: (s) => new Set(s.me?.capabilities || []),
  },
  actions: {
    has(capability) {
      return !capability || this.capabilities.has(capability);
    },
    setMe(me) {
      this.me = me || null;
      this.checked = true;
      api.setCsrfToken(me?.csrf_token || '');
    },
    // Loads the session once; later calls reuse it unless force is set.
    async load(force = false) {
      if (this.checked && !force) return this.me;
      try {
        this.setMe(await api.getMe());
      } catch (e) {
        if (e.status !== 401) throw e;
        this.setMe(null);
      }
      return this.me;
    },
    // Signs in; returns the signed-in user, or {second_step, challenge}
    // when two-factor sign-in must come first (no session yet).
    async login(username, password) {
      const res = await api.login(username, password);
      if (res && res.second_step) return res;
      this.setMe(res);
      return this.me;
    },
    async logout() {
      try {
        await api.logout();
      } finally {
        this.setMe(null);
      }
    },
    // Called when any request answers 401: the session is gone.
    forget() {
      this.setMe(null);
    },
  },
});
