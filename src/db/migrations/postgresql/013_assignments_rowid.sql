-- SQLite only (its assignments' id becomes the rowid); nothing changes here.
SELECT 1
