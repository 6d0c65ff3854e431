using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Slowio.AspNetCore;

/// <summary>The server's counters and the Prometheus text of GET /metrics, under the suite's names (README,
/// "Metrics"). Everything is an Interlocked counter or a value read at scrape time; a metric this server
/// cannot measure (threadpool_queue_wait_seconds, eventloop_*) is absent, never faked.</summary>
public sealed class Metrics
{
    private long _inFlight;
    private long _connectionsOpen;
    private long _busy;
    private long _storeCalls;
    private readonly long[] _responses = new long[600];
    private readonly ConcurrentDictionary<string, StrongBox> _rejected = new(StringComparer.Ordinal);

    /// <summary>Set once the job queue exists: jobs_queue_length is read from it at scrape time.</summary>
    public JobQueue? Jobs { get; set; }

    /// <summary>Set with --store postgres: db_pool_* are read from Npgsql's instruments at scrape time.</summary>
    public NpgsqlPoolMeter? DbPool { get; set; }

    /// <summary>Requests started and not yet completed (http_requests_in_flight).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>A request entered the application.</summary>
    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>A request's response completed (Kestrel's OnCompleted).</summary>
    public void RequestFinished() => Interlocked.Decrement(ref _inFlight);

    private long _lost;
    private int _stopping;

    /// <summary>Set once SIGINT/SIGTERM began the drain.</summary>
    public bool Stopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>The drain began: from now on a request whose connection is aborted counts as lost.</summary>
    public void BeginStopping() => Volatile.Write(ref _stopping, 1);

    /// <summary>A request completed on a connection aborted during the drain (Kestrel aborts what is left when
    /// the grace ends, and discards what the application still writes): its response was lost.</summary>
    public void RequestLost() => Interlocked.Increment(ref _lost);

    /// <summary>Requests not answered at the end of a drain: still in flight, or completed after their
    /// connection was aborted. Non-zero means exit 5.</summary>
    public long Unanswered => Interlocked.Read(ref _inFlight) + Interlocked.Read(ref _lost);

    /// <summary>Reserves a connection slot: false (nothing reserved) when <paramref name="max"/> are open.</summary>
    public bool TryOpenConnection(long max)
    {
        long current = Interlocked.Read(ref _connectionsOpen);
        while (current < max)
        {
            long seen = Interlocked.CompareExchange(ref _connectionsOpen, current + 1, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    /// <summary>Connections open now (http_connections_open).</summary>
    public long ConnectionsOpen => Interlocked.Read(ref _connectionsOpen);

    /// <summary>A connection reserved by TryOpenConnection closed.</summary>
    public void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    /// <summary>A pool thread starts running request code synchronously (blocked in a sync store call, or
    /// running POST /work): threadpool_busy_threads.</summary>
    public void BusyEnter() => Interlocked.Increment(ref _busy);

    /// <summary>The pool thread is back from the synchronous section.</summary>
    public void BusyExit() => Interlocked.Decrement(ref _busy);

    /// <summary>One store call began (store_calls_total).</summary>
    public void StoreCall() => Interlocked.Increment(ref _storeCalls);

    /// <summary>http_responses_total{code} += 1.</summary>
    public void CountResponse(int status)
    {
        if (status >= 0 && status < _responses.Length) Interlocked.Increment(ref _responses[status]);
    }

    /// <summary>http_rejected_total{reason} += 1 (max_connections, header_timeout, jobs_queue_full).</summary>
    public void CountRejected(string reason) =>
        Interlocked.Increment(ref _rejected.GetOrAdd(reason, _ => new StrongBox()).Value);

    /// <summary>Zeroes the counters (responses, rejections, store calls) once the start-up warm-up requests
    /// are done, so /metrics counts only what clients asked for.</summary>
    public void ResetCounters()
    {
        for (int code = 0; code < _responses.Length; code++) Interlocked.Exchange(ref _responses[code], 0);
        _rejected.Clear();
        Interlocked.Exchange(ref _storeCalls, 0);
    }

    /// <summary>The Prometheus text exposition (0.0.4), in core's family order, with the thread-pool group
    /// read from System.Threading.ThreadPool and the process group from /proc at the time of the call.</summary>
    public string Render()
    {
        var sb = new StringBuilder(2048);
        Family(sb, "http_requests_in_flight", "Requests parsed and not yet answered", "gauge");
        Sample(sb, "http_requests_in_flight", null, InFlight);
        Family(sb, "http_connections_open", "Open client connections", "gauge");
        Sample(sb, "http_connections_open", null, ConnectionsOpen);
        Family(sb, "store_calls_total", "Slow store calls performed (blocking or awaited)", "counter");
        Sample(sb, "store_calls_total", null, Interlocked.Read(ref _storeCalls));
        Family(sb, "jobs_queue_length", "Background jobs accepted and not yet started", "gauge");
        Sample(sb, "jobs_queue_length", null, Jobs?.Queued ?? 0);
        Family(sb, "http_responses_total", "Responses sent by status code", "counter");
        for (int code = 0; code < _responses.Length; code++)
        {
            long n = Interlocked.Read(ref _responses[code]);
            if (n > 0) Sample(sb, "http_responses_total", $"code=\"{code}\"", n);
        }
        Family(sb, "http_rejected_total", "Requests or connections refused by the server, by reason", "counter");
        foreach (var (reason, box) in _rejected.OrderBy(p => p.Key, StringComparer.Ordinal))
            Sample(sb, "http_rejected_total", $"reason=\"{reason}\"", Interlocked.Read(ref box.Value));
        var (rss, threads) = ProcessStats.Read();
        Family(sb, "process_resident_memory_bytes", "Resident memory size in bytes", "gauge");
        Sample(sb, "process_resident_memory_bytes", null, rss);
        Family(sb, "process_threads", "OS threads in this process", "gauge");
        Sample(sb, "process_threads", null, threads);
        Family(sb, "threadpool_threads", "Worker threads (ThreadPool.ThreadCount)", "gauge");
        Sample(sb, "threadpool_threads", null, ThreadPool.ThreadCount);
        Family(sb, "threadpool_busy_threads",
            "Pool threads held by request code: blocked in a sync store call or running POST /work", "gauge");
        Sample(sb, "threadpool_busy_threads", null, Interlocked.Read(ref _busy));
        Family(sb, "threadpool_queue_length", "Work items waiting for a worker (ThreadPool.PendingWorkItemCount)",
            "gauge");
        Sample(sb, "threadpool_queue_length", null, ThreadPool.PendingWorkItemCount);
        Family(sb, "threadpool_completed_items_total", "Work items completed (ThreadPool.CompletedWorkItemCount)",
            "counter");
        Sample(sb, "threadpool_completed_items_total", null, ThreadPool.CompletedWorkItemCount);
        if (DbPool?.Read() is var (connections, busy, waiters))
        {
            // core's DbPoolMetrics names, from Npgsql's pool (absent before Npgsql has published its figures).
            Family(sb, "db_pool_connections", "Open database connections in the pool (Npgsql: idle + used)", "gauge");
            Sample(sb, "db_pool_connections", null, connections);
            Family(sb, "db_pool_busy_connections", "Connections lent out to a query (Npgsql: used)", "gauge");
            Sample(sb, "db_pool_busy_connections", null, busy);
            Family(sb, "db_pool_waiters", "Requests waiting for a free connection (Npgsql: pending requests)", "gauge");
            Sample(sb, "db_pool_waiters", null, waiters);
        }
        return sb.ToString();
    }

    private static void Family(StringBuilder sb, string name, string help, string type) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
          .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder sb, string name, string? labels, long value)
    {
        sb.Append(name);
        if (labels != null) sb.Append('{').Append(labels).Append('}');
        sb.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>A mutable long held by reference, so Interlocked works on dictionary values.</summary>
    private sealed class StrongBox
    {
        public long Value;
    }
}

/// <summary>Process figures read from /proc at scrape time, as core's Metrics does.</summary>
public static class ProcessStats
{
    /// <summary>Resident bytes (/proc/self/statm × page size) and OS threads (/proc/self/status); 0 when
    /// unreadable.</summary>
    public static (long ResidentBytes, long Threads) Read()
    {
        long rss = 0, threads = 0;
        try
        {
            string[] statm = File.ReadAllText("/proc/self/statm").Split(' ');
            if (statm.Length > 1 && long.TryParse(statm[1], CultureInfo.InvariantCulture, out long pages))
                rss = pages * Environment.SystemPageSize;
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("Threads:", StringComparison.Ordinal)) continue;
                long.TryParse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture, out threads);
                break;
            }
        }
        catch (IOException)
        {
            // Not Linux, or /proc is not mounted: report 0 as core does.
        }
        return (rss, threads);
    }
}
