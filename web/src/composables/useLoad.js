// The loading flag and error message of a view's fetch: run(fn) sets
// loading, clears the error, awaits fn and turns a failure into the
// translated message. Resolves true when fn succeeded.
import { ref } from 'vue';
import { errorMessage } from '../i18n/index.js';

export function useLoad(initiallyLoading = false) {
  const loading = ref(initiallyLoading);
  const error = ref('');
  async function run(fn) {
    loading.value = true;
    error.value = '';
    try {
      await fn();
      return true;
    } catch (e) {
      error.value = errorMessage(e);
      return false;
    } finally {
      loading.value = false;
    }
  }
  return { loading, error, run };
}
