// The caller's to-dos (GET /api/v1/todos): cards on the home page and the
// count badges of the menu. Loaded on sign-in and on each visit home.
import { defineStore } from 'pinia';
import * as api from '../api/index.js';

export const useTodoStore = defineStore('todos', {
  state: () => ({ items: [], badges: {}, loaded: false }),
  actions: {
    async load() {
      try {
        const out = await api.getTodos();
        this.items = out.items || [];
        this.badges = out.badges || {};
      } catch {
        // The page works without them; the menu shows no counts.
        this.items = [];
        this.badges = {};
      } finally {
        this.loaded = true;
      }
    },
    clear() {
      this.items = [];
      this.badges = {};
      this.loaded = false;
    },
  },
});
