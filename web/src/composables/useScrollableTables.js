// A table wider or taller than the screen scrolls inside its own box (on a
// phone, most tables do). Keyboard users reach such a box only if it can
// take the focus, so every table's scrolling box gets tabindex="0" and a
// name as it appears (WCAG 2.1.1; axe "scrollable-region-focusable").
import { onBeforeUnmount, onMounted } from 'vue';

const kSelector = '.el-table .el-scrollbar__wrap:not([tabindex])';

function mark(root, label) {
  for (const el of root.querySelectorAll(kSelector)) {
    el.setAttribute('tabindex', '0');
    el.setAttribute('role', 'region');
    el.setAttribute('aria-label', label());
  }
}

export function useScrollableTables(label) {
  let observer = null;
  let queued = false;
  onMounted(() => {
    mark(document, label);
    observer = new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        mark(document, label);
      });
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  onBeforeUnmount(() => observer?.disconnect());
}
