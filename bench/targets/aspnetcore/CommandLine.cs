using System.Globalization;
using System.Net;

namespace Slowio.AspNetCore;

/// <summary>How GET /users/{id} waits on the store (README, "How the store call waits").</summary>
public enum StoreMode
{
    /// <summary><c>await Task.Delay(L)</c>: the request holds no thread while it waits.</summary>
    Async,
    /// <summary><c>Thread.Sleep(L)</c> on the request's pool thread: a synchronous database driver.</summary>
    Sync,
    /// <summary>The async lookup, then <c>.Result</c> on it: blocks a pool thread (no deadlock in ASP.NET
    /// Core, which has no SynchronizationContext), and its continuation needs a second one.</summary>
    SyncOverAsync,
}

/// <summary>Where GET /users/{id} reads its row (README, "Stores").</summary>
public enum StoreKind
{
    /// <summary>The rows in memory behind Thread.Sleep / Task.Delay (no database needed).</summary>
    Memory,
    /// <summary>EF Core on PostgreSQL (Npgsql): the wait is a pg_sleep inside the statement.</summary>
    Postgres,
    /// <summary>EF Core on SQLite (Microsoft.Data.Sqlite): the wait is a function that blocks the calling thread.</summary>
    Sqlite,
}

/// <summary>The parsed command line. Names and defaults follow core's ServerOptions.hpp, so a script
/// drives this server with the same flags as server_sync and server_async.</summary>
public sealed class Options
{
    /// <summary>Address to listen on (an IP address).</summary>
    public IPAddress Bind { get; set; } = IPAddress.Loopback;
    /// <summary>TCP port; 0 = ephemeral (the bound port is printed on stdout).</summary>
    public int Port { get; set; } = 8080;
    /// <summary>Simulated store latency L in ms.</summary>
    public int StoreLatencyMs { get; set; } = 2000;
    /// <summary>Rows in the in-memory users table (ids 1..Users).</summary>
    public long Users { get; set; } = 10000;
    /// <summary>ThreadPool.SetMinThreads for worker threads; null keeps the runtime's own.</summary>
    public int? MinThreads { get; set; }
    /// <summary>ThreadPool.SetMaxThreads for worker threads; null keeps the runtime's own.</summary>
    public int? MaxThreads { get; set; }
    /// <summary>Drain bound at SIGINT/SIGTERM in ms; -1 = store latency + 1000.</summary>
    public int ShutdownGraceMs { get; set; } = -1;
    /// <summary>Open connections beyond this get 503 + Retry-After and close.</summary>
    public int MaxConnections { get; set; } = 18000;
    /// <summary>Kestrel's RequestHeadersTimeout in ms (slowloris guard: 408 and close).</summary>
    public int HeaderTimeoutMs { get; set; } = 10000;
    /// <summary>Kestrel's KeepAliveTimeout in ms.</summary>
    public int KeepAliveTimeoutMs { get; set; } = 120000;
    /// <summary>error | warn | info | debug (stderr only).</summary>
    public string LogLevel { get; set; } = "warn";
    /// <summary>How the store call waits.</summary>
    public StoreMode Mode { get; set; } = StoreMode.Async;
    /// <summary>Where the rows are read (--store).</summary>
    public StoreKind Store { get; set; } = StoreKind.Memory;
    /// <summary>--pg: a libpq connection URI; null: libpq's PG* environment (as our servers).</summary>
    public string? PgUrl { get; set; }
    /// <summary>--db-pool: Npgsql's Max Pool Size; null keeps Npgsql's default (100).</summary>
    public int? DbPool { get; set; }
    /// <summary>--db-acquire-timeout-ms: Npgsql's Timeout (whole seconds, rounded up); null keeps its 15 s.</summary>
    public int? DbAcquireTimeoutMs { get; set; }
    /// <summary>--trace-threadpool: the runtime's thread-pool adjustment events on stderr (ThreadPoolTrace).</summary>
    public bool TraceThreadPool { get; set; }
    /// <summary>--trace-threadpool-gate: the trace, plus what the starvation gate compares (ThreadPoolGateProbe).</summary>
    public bool TraceThreadPoolGate { get; set; }
    /// <summary>POST /work runs in <c>await Task.Run(...)</c> instead of inline.</summary>
    public bool Offload { get; set; }
    /// <summary>Capacity of the POST /jobs queue (jobs accepted and not yet started).</summary>
    public int JobQueue { get; set; } = 1024;
    /// <summary>Dedicated threads draining the job queue.</summary>
    public int JobWorkers { get; set; } = 1;

    /// <summary>The effective drain bound: --shutdown-grace-ms, or L + 1 s when it is -1 (as core).</summary>
    public TimeSpan ShutdownGrace =>
        TimeSpan.FromMilliseconds(ShutdownGraceMs >= 0 ? ShutdownGraceMs : StoreLatencyMs + 1000L);
}

/// <summary>Parses and validates the command line. A bad flag gives exactly one line on stderr and exit 2
/// (the contract's "bad command line"), --help the flag list and exit 0.</summary>
public static class CommandLine
{
    /// <summary>The program name every stderr line starts with.</summary>
    public const string Name = "SlowioAspNetCore";

    /// <summary>The --help text.</summary>
    public const string Help = """
        SlowioAspNetCore: the slowio scenario on ASP.NET Core (Kestrel)
        Usage: dotnet SlowioAspNetCore.dll [flags]   (flags take --name VALUE or --name=VALUE)
          --bind ADDR                 address to listen on (default 127.0.0.1)
          --port N                    TCP port, 0 = ephemeral (default 8080)
          --store-latency-ms MS       simulated store latency, 0..3600000 (default 2000)
          --users N                   rows in the in-memory users table, 1..100000000 (default 10000)
          --mode MODE                 async | sync | sync-over-async (default async)
          --store STORE               memory | postgres | sqlite: where GET /users/{id} reads (default memory);
                                      postgres and sqlite run the seed's EF Core code (README, "Stores")
          --pg URL                    --store postgres: a libpq URI (default: libpq's PG* environment)
          --db-pool P                 --store postgres: Npgsql's Max Pool Size, 1..100000 (default: Npgsql's, 100)
          --db-acquire-timeout-ms MS  --store postgres: Npgsql's Timeout, rounded up to whole seconds,
                                      1..3600000 (default: Npgsql's, 15 s); past it 503 + Retry-After
          --trace-threadpool          the runtime's thread-pool adjustment events on stderr, one line each
          --trace-threadpool-gate     the same, plus each millisecond until exit the pool's last dequeue time
                                      and its starvation gate's wake-ups (what the gate compares)
          --offload                   POST /work runs in await Task.Run(...) (default: inline)
          --min-threads N             ThreadPool.SetMinThreads (worker threads; default: the runtime's)
          --max-threads N             ThreadPool.SetMaxThreads (worker threads; default: the runtime's)
          --max-connections N         beyond it 503 + Retry-After and close, 1..1000000 (default 18000)
          --header-timeout-ms MS      Kestrel RequestHeadersTimeout, 1..3600000 (default 10000)
          --keepalive-timeout-ms MS   Kestrel KeepAliveTimeout, 1..86400000 (default 120000)
          --shutdown-grace-ms MS      drain bound at SIGINT/SIGTERM, -1..3600000 (default -1: latency + 1000)
          --job-queue N               POST /jobs queue capacity, 1..10000000 (default 1024)
          --job-workers N             threads draining the job queue, 1..256 (default 1)
          --log-level LEVEL           error | warn | info | debug, stderr only (default warn)
          --help                      this text
        stdout: 'listening on ADDR:PORT', then 'metrics on 127.0.0.1:PORT2' (a /metrics off the thread pool).
        Exit: 0 clean drain, 1 startup failed, 2 bad command line, 3 cannot bind, 5 drain expired.
        """;

    /// <summary>Parses <paramref name="args"/>. Returns the options, or null with the exit code in
    /// <paramref name="exitCode"/> after printing help (0) or the one-line reason (2).</summary>
    public static Options? Parse(string[] args, out int exitCode)
    {
        exitCode = 0;
        try
        {
            return ParseOrThrow(args);
        }
        catch (HelpRequested)
        {
            Console.Out.Write(Help.Replace("\r\n", "\n") + "\n");
            Console.Out.Flush();
            return null;
        }
        catch (BadFlag e)
        {
            // One line, no usage dump: the scripts and the contract test show it as is.
            Console.Error.Write($"{Name}: {e.Message.Replace('\n', ' ')} (see --help)\n");
            Console.Error.Flush();
            exitCode = 2;
            return null;
        }
    }

    private sealed class HelpRequested : Exception;

    private sealed class BadFlag(string message) : Exception(message);

    private static Options ParseOrThrow(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? inline = null;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string Value()
            {
                if (inline != null) return inline;
                if (i + 1 >= args.Length) throw new BadFlag($"{arg}: requires a value");
                return args[++i];
            }
            switch (arg)
            {
                case "--help" or "-h":
                    throw new HelpRequested();
                case "--bind":
                    string text = Value();
                    // inet_pton's forms only, as core's asio::ip::make_address: IPAddress.TryParse would also
                    // take inet_aton's shorthands ("1.2.3" = 1.2.0.3).
                    bool strict = text.Contains(':') || text.Split('.') is { Length: 4 } parts
                        && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
                    if (!strict || !IPAddress.TryParse(text, out var address) || text.Contains('%'))
                        throw new BadFlag($"--bind: '{text}' is not an IP address");
                    o.Bind = address;
                    break;
                case "--port": o.Port = (int)Integer(arg, Value(), 0, 65535); break;
                case "--store-latency-ms": o.StoreLatencyMs = (int)Integer(arg, Value(), 0, 3_600_000); break;
                case "--users": o.Users = Integer(arg, Value(), 1, 100_000_000); break;
                case "--min-threads": o.MinThreads = (int)Integer(arg, Value(), 1, 32767); break;
                case "--max-threads": o.MaxThreads = (int)Integer(arg, Value(), 1, 32767); break;
                case "--shutdown-grace-ms": o.ShutdownGraceMs = (int)Integer(arg, Value(), -1, 3_600_000); break;
                case "--max-connections": o.MaxConnections = (int)Integer(arg, Value(), 1, 1_000_000); break;
                case "--header-timeout-ms": o.HeaderTimeoutMs = (int)Integer(arg, Value(), 1, 3_600_000); break;
                case "--keepalive-timeout-ms":
                    o.KeepAliveTimeoutMs = (int)Integer(arg, Value(), 1, 86_400_000);
                    break;
                case "--job-queue": o.JobQueue = (int)Integer(arg, Value(), 1, 10_000_000); break;
                case "--job-workers": o.JobWorkers = (int)Integer(arg, Value(), 1, 256); break;
                case "--log-level":
                    o.LogLevel = Value();
                    if (o.LogLevel is not ("error" or "warn" or "info" or "debug"))
                        throw new BadFlag($"--log-level: '{o.LogLevel}' is not one of error, warn, info, debug");
                    break;
                case "--mode":
                    string mode = Value();
                    o.Mode = mode switch
                    {
                        "async" => StoreMode.Async,
                        "sync" => StoreMode.Sync,
                        "sync-over-async" => StoreMode.SyncOverAsync,
                        _ => throw new BadFlag($"--mode: '{mode}' is not one of async, sync, sync-over-async"),
                    };
                    break;
                case "--store":
                    string store = Value();
                    o.Store = store switch
                    {
                        "memory" => StoreKind.Memory,
                        "postgres" => StoreKind.Postgres,
                        "sqlite" => StoreKind.Sqlite,
                        _ => throw new BadFlag($"--store: '{store}' is not one of memory, postgres, sqlite"),
                    };
                    break;
                case "--pg": o.PgUrl = Value(); break;
                case "--db-pool": o.DbPool = (int)Integer(arg, Value(), 1, 100_000); break;
                case "--db-acquire-timeout-ms":
                    o.DbAcquireTimeoutMs = (int)Integer(arg, Value(), 1, 3_600_000);
                    break;
                case "--trace-threadpool":
                    if (inline != null) throw new BadFlag("--trace-threadpool: takes no value");
                    o.TraceThreadPool = true;
                    break;
                case "--trace-threadpool-gate":
                    if (inline != null) throw new BadFlag("--trace-threadpool-gate: takes no value");
                    o.TraceThreadPool = o.TraceThreadPoolGate = true;
                    break;
                case "--offload":
                    if (inline != null) throw new BadFlag("--offload: takes no value");
                    o.Offload = true;
                    break;
                default:
                    throw new BadFlag(arg.StartsWith('-') ? $"unknown flag {arg}" : $"unexpected argument '{arg}'");
            }
        }
        if (o.MinThreads is int min && o.MaxThreads is int max && min > max)
            throw new BadFlag($"--min-threads {min} exceeds --max-threads {max}");
        if (o.Store != StoreKind.Postgres && (o.PgUrl ?? (object?)o.DbPool ?? o.DbAcquireTimeoutMs) is not null)
            throw new BadFlag("--pg, --db-pool and --db-acquire-timeout-ms apply to --store postgres only");
        if (o.PgUrl is string url && LibpqUrl.Parse(url) is { Error: string bad })
            throw new BadFlag($"--pg: {bad}");
        return o;
    }

    /// <summary>Decimal digits (optionally a leading '-') within [min, max], or a BadFlag naming the flag.</summary>
    private static long Integer(string flag, string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            || value < min || value > max)
            throw new BadFlag($"{flag}: '{text}' is not an integer from {min} to {max}");
        return value;
    }
}
