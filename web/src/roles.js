// Role names the server knows (policy/model.cc), for grant forms. Which
// grants a user may actually make is decided by the server.
export const kRoleNames = [
  'student',
  'guardian',
  'peer_reporter',
  'subject_teacher',
  'head_teacher',
  'grade_head',
  'psych_staff',
  'school_leader',
  'school_data_admin',
  'district_admin',
  'district_liaison',
  'crisis_group',
  'expert',
  'hospital_liaison',
  'city_admin',
  'auditor',
];
