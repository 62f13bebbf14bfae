-- Instrument library (issue 22). A campaign scale scores with one named norm
-- set of its definition (empty: the definition's default, as before).
ALTER TABLE screening_campaign_scales ADD COLUMN norm_set TEXT NOT NULL DEFAULT ''
--;;
-- A scale whose licence forbids shipping it active (e.g. the C-SSRS
-- screener's electronic versions) is offered to a school's campaigns only
-- after the school has enabled it under its own licence. One row per school
-- and instrument; enabling and disabling are audited (audit_log).
CREATE TABLE school_instrument_licences (
  school_id BIGINT NOT NULL REFERENCES org_units(id),
  instrument_id TEXT NOT NULL,
  licence_ref TEXT NOT NULL,      -- the school's licence (agreement number, holder, term)
  enabled_by BIGINT NOT NULL,
  enabled_at BIGINT NOT NULL,
  PRIMARY KEY (school_id, instrument_id)
)
