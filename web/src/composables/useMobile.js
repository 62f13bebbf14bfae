// Reactive "narrow screen" flag (phones, < 768 px) for layout switches.
import { onBeforeUnmount, ref } from 'vue';

const kQuery = '(max-width: 767px)';

export function useMobile() {
  const mql = window.matchMedia(kQuery);
  const mobile = ref(mql.matches);
  const update = (e) => {
    mobile.value = e.matches;
  };
  mql.addEventListener('change', update);
  onBeforeUnmount(() => mql.removeEventListener('change', update));
  return mobile;
}
