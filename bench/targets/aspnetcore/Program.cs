using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Slowio.AspNetCore;

/// <summary>main(): the steps of core's ServerStartup on ASP.NET Core, and the contract's exit codes.</summary>
public static class Program
{
    /// <summary>Parses the flags, starts Kestrel, prints the two stdout lines, serves until SIGINT/SIGTERM,
    /// drains, and returns 0 (clean drain), 1 (startup failed), 2 (bad command line), 3 (cannot bind) or 5
    /// (the drain bound ended with requests in flight).</summary>
    public static async Task<int> Main(string[] args)
    {
        var options = CommandLine.Parse(args, out int exitCode);
        if (options is null) return exitCode;
        if (ThreadPoolSettings.Apply(options) is string refused)
        {
            Console.Error.Write($"{CommandLine.Name}: {refused} (see --help)\n");
            return 2;
        }

        // First, so the runtime's thread-pool events are seen from the pool's first adjustment on.
        using var trace = options.TraceThreadPool ? new ThreadPoolTrace(options.TraceThreadPoolGate) : null;
        var metrics = new Metrics();
        var jobs = new JobQueue(options.JobQueue);
        metrics.Jobs = jobs;
        Store store;
        SqliteDatabase? sqlite = null;
        string? pgConnection = null;
        try
        {
            store = new Store(options.Users, options.StoreLatencyMs, metrics);
            if (options.Store == StoreKind.Postgres)
            {
                pgConnection = PgDatabase.ConnectionString(options);
                PgDatabase.Prepare(pgConnection, options.Users);
                metrics.DbPool = new NpgsqlPoolMeter();
            }
            else if (options.Store == StoreKind.Sqlite)
            {
                sqlite = new SqliteDatabase(options.Users);
            }
        }
        catch (OutOfMemoryException)
        {
            Console.Error.Write($"{CommandLine.Name}: cannot seed {options.Users} rows: out of memory\n");
            return 1;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException)
        {
            Console.Error.Write($"{CommandLine.Name}: {options.Store.ToString().ToLowerInvariant()}: {Innermost(e)}\n");
            return 1;
        }
        using var sqliteFile = sqlite;
        using var dbPool = metrics.DbPool;

        ILogger? log = null;
        // Before the host exists, so Kestrel's instruments are enabled from its first connection.
        using var kestrelEvents = new KestrelEvents(metrics, message => log?.LogDebug("{Message}", message));

        var app = Build(options, metrics, jobs, builder =>
        {
            if (options.Store != StoreKind.Memory) DbServices.Add(builder.Services, options, metrics, pgConnection, sqlite);
        });
        log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(CommandLine.Name);
        var routes = new Routes(store, jobs, metrics, app.Services.GetRequiredService<ReplyWriter>(), options);
        // Routes answers every request as core's Handler does; with a database store it hands a valid
        // GET /users/{id} on (next) to MVC's controller, which runs the seed's EF Core code.
        app.Use(next => RequestTracking.Wrap(context => routes.HandleAsync(context, next), metrics));
        if (options.Store != StoreKind.Memory) app.MapControllers();

        // Our own SIGINT/SIGTERM handling (ConsoleLifetime does the same): cancel the default termination and
        // stop the host, which drains within HostOptions.ShutdownTimeout.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop(app, options, metrics));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop(app, options, metrics));

        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsBindFailure(e))
        {
            Console.Error.Write($"{CommandLine.Name}: cannot listen on {options.Bind}:{options.Port}: {Innermost(e)}\n");
            return 3;
        }
        catch (Exception e)
        {
            Console.Error.Write($"{CommandLine.Name}: startup failed: {Innermost(e)}\n");
            return 1;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        int port = new Uri(addresses.Addresses.First()).Port;
        string? database = options.Store == StoreKind.Memory ? null : WarmUp.DatabaseRequest;
        trace?.WarmUpStarting();
        if (WarmUp.Run(options.Bind, port, database) is string failed)
        {
            if (!failed.StartsWith(WarmUp.StoreFailure, StringComparison.Ordinal))
            {
                log.LogWarning("{Reason}", failed);
            }
            else
            {
                Console.Error.Write($"{CommandLine.Name}: {options.Store.ToString().ToLowerInvariant()}: {failed}\n");
                return 1;
            }
        }
        // Kestrel releases a closed connection a moment after its FIN: wait, so the warm-up holds no slot of
        // --max-connections once the port is announced.
        for (var until = DateTime.UtcNow.AddSeconds(2); metrics.ConnectionsOpen > 0 && DateTime.UtcNow < until;)
            Thread.Sleep(5);
        metrics.ResetCounters(); // the warm-up's responses are not the workload's

        MetricsSidecar sidecar;
        try
        {
            sidecar = new MetricsSidecar(metrics);
        }
        catch (SocketException e)
        {
            Console.Error.Write($"{CommandLine.Name}: cannot listen on the metrics port: {e.Message}\n");
            return 1;
        }
        sidecar.Start();
        trace?.Listening();
        Console.Out.Write($"listening on {options.Bind}:{port}\nmetrics on 127.0.0.1:{sidecar.Port}\n");
        Console.Out.Flush();
        log.LogInformation("store {Store}, mode {Mode}{Offload}, store latency {Latency} ms, {Users} rows; {Pool}; {Files}",
            options.Store, options.Mode, options.Offload ? " + offload" : "", options.StoreLatencyMs, options.Users,
            ThreadPoolSettings.Describe(), FileLimitText());

        await app.WaitForShutdownAsync().ConfigureAwait(false);

        long left = metrics.Unanswered;
        if (left > 0)
        {
            Console.Error.Write($"{CommandLine.Name}: shutdown grace of {options.ShutdownGrace.TotalMilliseconds} ms " +
                                $"ended with {left} request(s) unanswered, their responses lost; exiting with code 5\n");
        }
        try
        {
            // Flushes the console logger; bounded, because requests still in flight may hold the host.
            await app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        return left > 0 ? 5 : 0;
    }

    private static WebApplication Build(Options options, Metrics metrics, JobQueue jobs,
        Action<WebApplicationBuilder> addStore)
    {
        // The empty builder: no configuration files or environment-variable binding (the command line is the
        // only input), no default logging, Kestrel without HTTPS.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 65535); // as core's Listener (somaxconn caps it)
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false; // ReplyWriter sends core's "Server: slowio"
            var limits = kestrel.Limits;
            limits.MaxConcurrentConnections = null; // ConnectionLimit answers 503 instead of Kestrel's silent close
            limits.MaxConcurrentUpgradedConnections = null;
            limits.RequestHeadersTimeout = TimeSpan.FromMilliseconds(options.HeaderTimeoutMs);
            limits.KeepAliveTimeout = TimeSpan.FromMilliseconds(options.KeepAliveTimeoutMs);
            // core's codec limits (RequestParser.hpp); Kestrel counts the bytes slightly differently.
            limits.MaxRequestLineSize = 8 * 1024;
            limits.MaxRequestHeadersTotalSize = 16 * 1024;
            limits.MaxRequestHeaderCount = 100;
            limits.MaxRequestBodySize = Routes.MaxBody;
            kestrel.Listen(options.Bind, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(ConnectionLimit.Middleware(options.MaxConnections, metrics));
            });
        });
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = options.ShutdownGrace;
            // Kestrel's drain and the job workers' drain run side by side, not one after the other.
            host.ServicesStopConcurrently = true;
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.AddLogging(logging =>
        {
            // stdout is reserved for the two address lines: every log line goes to stderr, one line each.
            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.ColorBehavior = LoggerColorBehavior.Disabled;
            });
            logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            logging.SetMinimumLevel(options.LogLevel switch
            {
                "error" => LogLevel.Error,
                "info" => LogLevel.Information,
                "debug" => LogLevel.Debug,
                _ => LogLevel.Warning,
            });
            // Per-request "Request starting/finished" lines would swamp stderr at info.
            logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
            // Start failures are reported by Main in one line (exit 1 or 3); the host would add a stack trace.
            logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            // EF Core: a database fault is answered and counted (DbFaultFilter: 503, http_rejected_total), so
            // EF's own error lines with their stack traces, one per failed request, would only swamp stderr;
            // the SQL it sends, one line per statement, at debug.
            logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Critical);
            logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command",
                options.LogLevel == "debug" ? LogLevel.Information : LogLevel.Warning);
            // A database fault is answered (DbFaultFilter); MVC would log each one with a stack trace.
            logging.AddFilter("Microsoft.AspNetCore.Mvc", LogLevel.Error);
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(jobs);
        builder.Services.AddHostedService<JobWorkers>();
        builder.Services.AddSingleton(services => new ReplyWriter(metrics,
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
        addStore(builder);
        return builder.Build();
    }

    private static Action<PosixSignalContext> Stop(WebApplication app, Options options, Metrics metrics) => context =>
    {
        context.Cancel = true;
        metrics.BeginStopping();
        ShutdownWatchdog.Arm(options.ShutdownGrace, metrics);
        app.Lifetime.StopApplication();
    };

    private static bool IsBindFailure(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException)
        {
            if (x is AddressInUseException) return true;
            if (x is SocketException s && s.SocketErrorCode is SocketError.AddressAlreadyInUse
                    or SocketError.AddressNotAvailable or SocketError.AccessDenied) return true;
        }
        return false;
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e.Message.Replace('\n', ' ');
    }

    /// <summary>The open-files limit (the .NET runtime raises the soft limit to the hard limit at start, as
    /// core's servers do themselves), from /proc/self/limits.</summary>
    private static string FileLimitText()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            string[] parts = (line ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 5 ? $"open-files soft limit {parts[3]} (hard {parts[4]})" : "open-files limit unknown";
        }
        catch (IOException)
        {
            return "open-files limit unknown";
        }
    }
}
