using System.Globalization;

namespace Slowio.AspNetCore;

/// <summary>One row of the users table.</summary>
/// <param name="Id">Primary key, 1..users.</param>
/// <param name="Name">"First Last".</param>
/// <param name="Email">"first.lastID@example.com".</param>
/// <param name="CreatedAt">ISO 8601 UTC, e.g. "2020-01-01T01:00:07Z".</param>
public sealed record User(long Id, string Name, string Email, string CreatedAt);

/// <summary>The slow store: the same deterministic rows as core's SlowStore (seeded_user), held in memory
/// because SQLite is not part of the shared framework (no NuGet packages offline), behind the same constant
/// latency L. Only the wait differs between the modes; the lookup itself is the same array index.</summary>
public sealed class Store
{
    private static readonly string[] FirstNames =
    [
        "Ada", "Alan", "Barbara", "Brian", "Donald", "Edsger", "Frances", "Grace", "Ivan", "John",
        "Ken", "Leslie", "Linus", "Margaret", "Niklaus", "Radia", "Robin", "Shafi", "Tony", "Yukihiro",
    ];

    private static readonly string[] LastNames =
    [
        "Allen", "Backus", "Cerf", "Dijkstra", "Engelbart", "Floyd", "Goldwasser", "Hamilton", "Hopper", "Kahn",
        "Knuth", "Lamport", "Liskov", "Lovelace", "McCarthy", "Perlman", "Ritchie", "Thompson", "Torvalds", "Wirth",
    ];

    private readonly User[] _rows;
    private readonly TimeSpan _latency;
    private readonly Metrics _metrics;

    /// <summary>Seeds rows 1..<paramref name="users"/> (index 0 unused) with latency
    /// <paramref name="latencyMs"/>.</summary>
    public Store(long users, int latencyMs, Metrics metrics)
    {
        _rows = new User[users + 1];
        for (long id = 1; id <= users; id++) _rows[id] = SeededUser(id);
        _latency = TimeSpan.FromMilliseconds(latencyMs);
        _metrics = metrics;
    }

    /// <summary>Row <paramref name="id"/> exactly as core's SlowStore::seeded_user builds it.</summary>
    public static User SeededUser(long id)
    {
        ulong h = SplitMix64((ulong)id);
        int count = FirstNames.Length;
        string first = FirstNames[(int)(h % (ulong)count)];
        string last = LastNames[(int)(h / (ulong)count % (ulong)count)];
        string email = $"{first}.{last}".ToLowerInvariant() + id.ToString(CultureInfo.InvariantCulture) + "@example.com";
        // 2020-01-01T00:00:00Z plus about an hour per id: distinct, ordered, reproducible.
        var created = DateTimeOffset.FromUnixTimeSeconds(1577836800L + id * 3607L).UtcDateTime;
        return new User(id, $"{first} {last}", email,
            created.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture));
    }

    /// <summary>--mode async: awaits a timer for L, then looks the row up. No thread is held meanwhile.</summary>
    public async Task<User?> FetchAsync(long id)
    {
        _metrics.StoreCall();
        await Task.Delay(_latency).ConfigureAwait(false);
        return Lookup(id);
    }

    /// <summary>--mode sync: sleeps L on the calling (pool) thread, as a synchronous database driver
    /// blocks in its socket read.</summary>
    public User? FetchBlocking(long id)
    {
        _metrics.StoreCall();
        Thread.Sleep(_latency);
        return Lookup(id);
    }

    /// <summary>--mode sync-over-async: the async lookup, then <c>.Result</c>. ASP.NET Core has no
    /// SynchronizationContext, so this does not deadlock; it blocks the calling pool thread for L, and the
    /// timer's continuation needs another pool thread to complete it (worse than sync under starvation).</summary>
    public User? FetchSyncOverAsync(long id) => FetchAsync(id).Result;

    private User? Lookup(long id) => id >= 1 && id < _rows.Length ? _rows[id] : null;

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9e3779b97f4a7c15UL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
