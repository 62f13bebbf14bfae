// Schedule times in the schools' own time (Asia/Shanghai, UTC+8, no
// daylight saving), whatever the browser's zone: a counsellor's 09:00 is
// 09:00 on every screen.
const kOffset = 8 * 3600 * 1000;
const kDay = 24 * 3600 * 1000;
const p = (n) => String(n).padStart(2, '0');

// A Date whose UTC fields are the school's wall clock.
const wall = (s) => new Date(new Date(s).getTime() + kOffset);

export const hm = (s) => {
  const d = wall(s);
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
};
export const dayKey = (s) => {
  const d = wall(s);
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
};
export const md = (s) => {
  const d = wall(s);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
};
// "周一 12/7"
export const dayLabel = (s, t) => `${t(`counselling.weekdays.d${wall(s).getUTCDay()}`)} ${md(s)}`;
export const dateTime = (s) => (s ? `${dayKey(s)} ${hm(s)}` : '');

// Midnight (school time) of the Monday of the week holding `ms`, plus
// `weeks` weeks, as epoch milliseconds.
export function weekStart(ms, weeks = 0) {
  const local = ms + kOffset;
  const midnight = Math.floor(local / kDay) * kDay;
  const dow = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0
  return midnight - dow * kDay - kOffset + weeks * 7 * kDay;
}
// Epoch milliseconds of day `day` (0 = Monday) at hh:mm school time in the
// week starting at `start` (from weekStart).
export const at = (start, day, hh, mm = 0) => start + day * kDay + (hh * 60 + mm) * 60 * 1000;
export { kDay };
