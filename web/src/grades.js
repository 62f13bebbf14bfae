// Grade labels as staff write them, shared by every view: 7 → 七年级
// (Chinese numerals), an enrolment year (higher education) → 2025级; lists
// of grades in order (七、八、九).
import { i18n } from './i18n/index.js';

export function gradeLabel(grade) {
  const { t, te } = i18n.global;
  const n = Number(grade);
  if (Number.isInteger(n) && te(`scrviews.grades.${n}`)) return t(`scrviews.grades.${n}`);
  return t('scrviews.enrolmentYear', { n: grade });
}

export const sortGrades = (grades) => [...(grades || [])].map(Number).sort((a, b) => a - b);

export const gradesText = (grades) => sortGrades(grades).map(gradeLabel).join('、');
