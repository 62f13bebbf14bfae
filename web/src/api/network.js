// The warning network's endpoints (/api/v1/network/*, warning deadlines)
// and the outbound notice channels (/api/v1/notify/channels).
import { request } from './client.js';

export const listNetworkCategories = () => request('GET', '/network/categories');
export const listReportableStudents = () => request('GET', '/network/students');
export const reportObservation = (body) => request('POST', '/network/observations', { json: body });
export const listObservations = (mine, after) =>
  request('GET', '/network/observations', { query: { mine: mine ? 'true' : 'false', after } });
export const fileWeeklyReport = (body) => request('POST', '/network/weekly-reports', { json: body });
export const listClassWeeks = (query) => request('GET', '/network/classes', { query });
export const listRiskFactors = (query) => request('GET', '/network/risk-factors', { query });
export const addRiskFactor = (body) => request('POST', '/network/risk-factors', { json: body });
export const resolveRiskFactor = (id, endDate) =>
  request('POST', `/network/risk-factors/${encodeURIComponent(id)}/resolution`, { json: endDate ? { end_date: endDate } : {} });
export const listNetworkWarnings = (query) => request('GET', '/network/warnings', { query });
export const acknowledgeNetworkWarning = (id) =>
  request('POST', `/network/warnings/${encodeURIComponent(id)}/acknowledgement`, { json: {} });
export const closeNetworkWarning = (id, reason) =>
  request('POST', `/network/warnings/${encodeURIComponent(id)}/closure`, { json: { reason } });
export const setNetworkWarningLevel = (id, level, reason) =>
  request('POST', `/network/warnings/${encodeURIComponent(id)}/level`, { json: { level, reason } });
export const getWarningDeadlines = (schoolId) => request('GET', `/schools/${encodeURIComponent(schoolId)}/warning-deadlines`);
export const putWarningDeadlines = (schoolId, body) =>
  request('PUT', `/schools/${encodeURIComponent(schoolId)}/warning-deadlines`, { json: body });
export const listNotifyChannels = () => request('GET', '/notify/channels');
export const putNotifyChannels = (unitId, body) =>
  request('PUT', `/notify/channels/${encodeURIComponent(unitId)}`, { json: body });
