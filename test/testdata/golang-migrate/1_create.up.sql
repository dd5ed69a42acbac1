CREATE TABLE gm_account (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE gm_entry (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES gm_account (id) ON DELETE CASCADE,
    amount numeric(12, 2) NOT NULL
);
CREATE INDEX gm_entry_account ON gm_entry (account_id);
