// One function per API endpoint (docs/api/openapi.yaml). Every function
// returns the decoded JSON answer or throws ApiError (see client.js).
import { request } from './client.js';

export { ApiError, setCsrfToken, setUnauthenticatedHandler } from './client.js';

// --- health and auth
export const getHealth = () => request('GET', '/health');
export const login = (username, password) =>
  request('POST', '/auth/login', { json: { username, password }, allow401: true });
export const getMe = () => request('GET', '/auth/me', { allow401: true });
export const logout = () => request('POST', '/auth/logout', { allow401: true });
export const changePassword = (currentPassword, newPassword) =>
  request('POST', '/auth/password', {
    json: { current_password: currentPassword, new_password: newPassword },
    // A wrong current password may answer 401; the view tells the cases apart.
    allow401: true,
  });

// --- public
export const listHotlines = () => request('GET', '/hotlines');

// --- organisation
// No parentId: the caller's scope roots.
export const listOrgUnits = (parentId) =>
  request('GET', '/org-units', { query: { parent_id: parentId } });
export const getOrgUnit = (id) => request('GET', `/org-units/${encodeURIComponent(id)}`);

// --- roster
// params: {unit_id, q, page_size, after}
export const listStudents = (params) => request('GET', '/students', { query: params });
// csvText: the file's bytes (Blob/File or string), sent unchanged.
export const importRoster = (schoolId, csv) =>
  request('POST', '/roster-imports', {
    query: { school_id: schoolId },
    body: csv,
    contentType: 'text/csv',
  });

// --- accounts
// params: {q, unit_id, page_size, after}
export const listAccounts = (params) => request('GET', '/accounts', { query: params });
// account: {username, display_name, password, roles:[{role, unit_id}]}
export const createAccount = (account) => request('POST', '/accounts', { json: account });
export const addRoleGrant = (accountId, role, unitId) =>
  request('POST', `/accounts/${encodeURIComponent(accountId)}/roles`, {
    json: { role, unit_id: unitId },
  });
export const removeRoleGrant = (accountId, roleId) =>
  request(
    'DELETE',
    `/accounts/${encodeURIComponent(accountId)}/roles/${encodeURIComponent(roleId)}`,
  );

// --- audit
// params: {before, page_size}
export const listAuditEvents = (params) => request('GET', '/audit-events', { query: params });
