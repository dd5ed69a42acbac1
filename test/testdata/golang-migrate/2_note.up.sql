ALTER TABLE gm_entry ADD COLUMN note text;
ALTER TABLE gm_account ADD CONSTRAINT gm_account_email_lower CHECK (email = lower(email));
INSERT INTO gm_account (email) VALUES ('first@example.com');
