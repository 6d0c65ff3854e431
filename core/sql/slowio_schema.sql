-- The slowio schema in PostgreSQL, created by every server given --store postgres (server_sync, server_async
-- and the ASP.NET Core target) in one transaction under one advisory lock, so it is idempotent and safe when
-- several servers start at once. One file for all of them: core embeds it at build time (core/CMakeLists.txt),
-- the .NET target as a resource (its csproj).
--
-- Text columns, not timestamptz: a row's bytes are the sim store's bytes, whatever the server's TimeZone.
CREATE SCHEMA IF NOT EXISTS slowio;
CREATE TABLE IF NOT EXISTS slowio.users (
    id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, created_at text NOT NULL);

-- The C++ servers' one statement per request: sleeps the latency ONCE, then returns the row.
CREATE OR REPLACE FUNCTION slowio.slowio_user(p_id bigint, p_latency_ms double precision)
RETURNS TABLE (id bigint, name text, email text, created_at text)
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    PERFORM pg_sleep(p_latency_ms / 1000.0);
    RETURN QUERY SELECT u.id, u.name, u.email, u.created_at FROM slowio.users u WHERE u.id = p_id;
END
$fn$;

-- The wait of a query EF Core generates, which cannot pass the latency as an argument: the session's
-- slowio.latency_ms setting (the .NET target sets it in the connection's startup options), 0 when unset.
CREATE OR REPLACE FUNCTION slowio.slowio_wait()
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    PERFORM pg_sleep(coalesce(nullif(current_setting('slowio.latency_ms', true), ''), '0')::double precision
                     / 1000.0);
    RETURN true;
END
$fn$;

-- What EF Core's DbSet<User> maps to, so the seed's `Users.FirstOrDefault(u => u.Id == id)` runs unchanged and
-- waits inside the statement it sends. The uncorrelated scalar sub-select is an InitPlan: PostgreSQL runs it
-- once per execution, as a one-time filter before any row is read, so a query sleeps once whether or not it
-- finds its row (EXPLAIN: "One-Time Filter: (InitPlan 1).col1"; tests count pg_stat_user_functions.calls).
CREATE OR REPLACE VIEW slowio.users_slow AS
    SELECT u.id, u.name, u.email, u.created_at FROM slowio.users u WHERE (SELECT slowio.slowio_wait());
