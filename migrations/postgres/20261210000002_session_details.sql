-- "Sessioni attive" on Il mio profilo: where and with what each session was opened (the
-- address as the lock-out sees it; the browser's User-Agent, cut to 200 characters).
ALTER TABLE sessions ADD COLUMN client_address TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
