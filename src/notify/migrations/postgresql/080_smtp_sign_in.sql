-- Sign-in at the SMTP server (AUTH PLAIN, sent over TLS only): school and
-- city mail servers take no mail from an unknown sender. The password is a
-- secret like the webhook's key: never sent back.
ALTER TABLE notify_channels ADD COLUMN smtp_user TEXT NOT NULL DEFAULT ''
--;;
ALTER TABLE notify_channels ADD COLUMN smtp_password TEXT NOT NULL DEFAULT ''
