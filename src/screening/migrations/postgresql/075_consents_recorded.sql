-- The campaign views' tallies (screening/campaign_tallies.h) read the
-- consents recorded since they last looked, by time.
CREATE INDEX screening_consents_recorded ON screening_consents(recorded_at)
