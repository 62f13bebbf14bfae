// The server's list of diagnostic words (GET /diagnostic-words), loaded
// once, for warning before saving text that students, guardians or head
// teachers read; the server refuses such text anyway (diagnostic_wording).
import { getDiagnosticWords } from '../../api/index.js';

let words = null;

export async function loadDiagnosticWords() {
  if (words) return words;
  try {
    words = (await getDiagnosticWords()).items || [];
  } catch {
    words = [];
  }
  return words;
}

// The listed words found in text, longer ones first, each once.
export function diagnosticWordsIn(text, list) {
  let rest = String(text || '');
  const found = [];
  for (const w of [...(list || [])].sort((a, b) => b.length - a.length)) {
    if (rest.includes(w)) {
      found.push(w);
      rest = rest.split(w).join('\u0001');
    }
  }
  return found;
}
