DROP TABLE gm_entry;
DROP TABLE gm_account;
