DELETE FROM gm_account WHERE email = 'first@example.com';
ALTER TABLE gm_account DROP CONSTRAINT gm_account_email_lower;
ALTER TABLE gm_entry DROP COLUMN note;
