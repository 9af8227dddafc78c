-- 0007: the change log is append-only for everyone.
--
-- Until now only permissions kept it so: the application role may read change_log and
-- nothing else, but the tables' owner (or a superuser in psql) could still rewrite or
-- delete history. Triggers now refuse UPDATE, DELETE and TRUNCATE whoever asks. Removing
-- history on purpose (a legal request, say) takes a deliberate, visible step by the
-- owner: ALTER TABLE change_log DISABLE TRIGGER change_log_append_only, the change,
-- then ENABLE TRIGGER again. The feed's retention prunes change_feed, never this table.

CREATE FUNCTION showroom_refuse_log_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'change_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON change_log
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_refuse_log_rewrite();
