using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Slowio.AspNetCore;

/// <summary>--store postgres: the connection string EF Core gets, and the start-up the C++ servers do
/// (core's prepare_pg_schema): the slowio schema, rows, functions and view created if absent, under the same
/// advisory lock, so this server and ours can start against one database at once.</summary>
public static class PgDatabase
{
    /// <summary>core's schema_lock: one lock for every slowio server preparing the same database.</summary>
    private const long SchemaLock = 72657373;

    /// <summary>The connection string: --pg (or PG*), application_name slowio (pg_stat_activity's filter), the
    /// store latency as the session's slowio.latency_ms (read by slowio.slowio_wait()), and Max Pool Size /
    /// Timeout only where --db-pool / --db-acquire-timeout-ms are given: otherwise Npgsql's own defaults,
    /// what a user of the stock stack gets.</summary>
    public static string ConnectionString(Options options)
    {
        var (builder, error) = LibpqUrl.Parse(options.PgUrl);
        if (builder is null) throw new InvalidOperationException($"--pg: {error}");
        string latency = $"-c slowio.latency_ms={options.StoreLatencyMs.ToString(CultureInfo.InvariantCulture)}";
        builder.Options = string.IsNullOrEmpty(builder.Options) ? latency : $"{builder.Options} {latency}";
        if (options.DbPool is int pool) builder.MaxPoolSize = pool;
        // Npgsql's Timeout bounds both opening a connection and waiting for a pooled one; it counts seconds.
        if (options.DbAcquireTimeoutMs is int ms) builder.Timeout = (ms + 999) / 1000;
        return builder.ConnectionString;
    }

    /// <summary>Creates what the store needs if absent (core/sql/slowio_schema.sql, then seeded rows when the
    /// table does not hold exactly ids 1..users). Throws NpgsqlException (the caller's one-line exit 1).</summary>
    public static void Prepare(string connectionString, long users)
    {
        // Its own connection, outside the pool EF Core will use: start-up must not leave one behind in it.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        Execute(connection, "SET LOCAL client_min_messages = warning"); // no NOTICE "already exists"
        Execute(connection, $"SELECT pg_advisory_xact_lock({SchemaLock})");
        Execute(connection, SchemaSql());
        long rows = Scalar(connection, "SELECT count(*) FROM slowio.users");
        long maxId = Scalar(connection, "SELECT coalesce(max(id), 0) FROM slowio.users");
        if (rows != users || maxId != users) CopyRows(connection, users);
        transaction.Commit();
    }

    /// <summary>core/sql/slowio_schema.sql, embedded by the csproj.</summary>
    public static string SchemaSql()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("slowio_schema.sql")
            ?? throw new InvalidOperationException("slowio_schema.sql is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static long Scalar(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>COPY, as core does: 10,000 rows in one round trip.</summary>
    private static void CopyRows(NpgsqlConnection connection, long users)
    {
        Execute(connection, "TRUNCATE slowio.users");
        using var writer = connection.BeginTextImport("COPY slowio.users (id, name, email, created_at) FROM STDIN");
        for (long id = 1; id <= users; id++)
        {
            User u = Store.SeededUser(id); // no tab, newline or backslash in these values: nothing to escape
            writer.Write($"{u.Id}\t{u.Name}\t{u.Email}\t{u.CreatedAt}\n");
        }
    }
}
