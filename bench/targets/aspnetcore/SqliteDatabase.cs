using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Slowio.AspNetCore;

/// <summary>--store sqlite: a database file of this process's own (removed at exit), seeded with the same rows,
/// and the view EF Core's <c>Users</c> maps to. The wait is <c>slowio_wait()</c>, a function registered on every
/// connection that blocks the calling thread for L, as a native driver blocks in its I/O: SQLite has no
/// asynchronous I/O, and Microsoft.Data.Sqlite runs its async methods synchronously.</summary>
public sealed class SqliteDatabase : IDisposable
{
    // The CTE is MATERIALIZED and CROSS JOIN fixes the join order: the wait is the outer loop's single row,
    // evaluated once per statement before any row is read, found or not (SQLite would otherwise evaluate a
    // non-deterministic function per row it visits, and not at all when the id has no row).
    private const string SchemaSql = """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
                            created_at TEXT NOT NULL);
        CREATE VIEW users_slow AS
            WITH wait AS MATERIALIZED (SELECT slowio_wait() AS waited)
            SELECT u.id, u.name, u.email, u.created_at FROM wait CROSS JOIN users u;
        """;

    /// <summary>The database file (under the temp directory, named after the process).</summary>
    public string Path { get; }

    /// <summary>The connection string EF Core gets (Microsoft.Data.Sqlite's pooling, its default).</summary>
    public string ConnectionString { get; }

    /// <summary>Creates and seeds the file. Throws SqliteException or IOException (exit 1).</summary>
    public SqliteDatabase(long users)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"slowio-aspnetcore-{Environment.ProcessId}.db");
        File.Delete(Path);
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate }
            .ToString();
        // Unpooled: seeding leaves no connection behind (a pooled one would keep the file open after Dispose).
        using var connection = new SqliteConnection(ConnectionString + ";Pooling=False");
        connection.Open();
        WaitFunction.Register(connection, TimeSpan.Zero);
        using var transaction = connection.BeginTransaction();
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = SchemaSql;
            schema.ExecuteNonQuery();
        }
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO users (id, name, email, created_at) VALUES ($id, $name, $email, $created_at)";
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var email = insert.Parameters.Add("$email", SqliteType.Text);
        var created = insert.Parameters.Add("$created_at", SqliteType.Text);
        for (long i = 1; i <= users; i++)
        {
            User u = Store.SeededUser(i);
            (id.Value, name.Value, email.Value, created.Value) = (u.Id, u.Name, u.Email, u.CreatedAt);
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Removes the file (pooled connections are cleared first, so nothing holds it).</summary>
    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(Path);
    }

    /// <summary>Registers slowio_wait() on each connection EF Core opens (a pooled connection keeps it; registering
    /// again replaces it).</summary>
    public sealed class WaitFunction(TimeSpan latency) : DbConnectionInterceptor
    {
        /// <summary>slowio_wait() on <paramref name="connection"/>: sleeps <paramref name="latency"/> on the calling
        /// thread, returns 1.</summary>
        public static void Register(SqliteConnection connection, TimeSpan latency) =>
            connection.CreateFunction("slowio_wait", () =>
            {
                Thread.Sleep(latency);
                return 1;
            }, isDeterministic: false);

        /// <inheritdoc/>
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            Register((SqliteConnection)connection, latency);

        /// <inheritdoc/>
        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
            CancellationToken cancellationToken = default)
        {
            Register((SqliteConnection)connection, latency);
            return Task.CompletedTask;
        }
    }
}
