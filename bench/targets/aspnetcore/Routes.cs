using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Slowio.AspNetCore;

/// <summary>core's Handler on ASP.NET Core: the same routes, status codes, reasons and JSON. One request
/// delegate that routes by the raw request target (as core, no percent-decoding: Kestrel's Request.Path is
/// decoded), so no routing middleware, no model binding and no JSON serializer stand between the request and
/// the bytes. In the sync modes nothing is awaited before the blocking store call, so the call blocks the pool
/// thread Kestrel dispatched the request to.</summary>
public sealed class Routes(Store store, JobQueue jobs, Metrics metrics, ReplyWriter writer, Options options)
{
    /// <summary>core's codec limit on a body (RequestParser.hpp max_body): beyond it 413 and close.</summary>
    public const long MaxBody = 1024 * 1024;

    /// <summary>The methods http-parser knows; core answers any other token 501 (Kestrel accepts any).</summary>
    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
        "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
        "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR",
        "LINK", "UNLINK", "SOURCE",
    };

    /// <summary>The middleware: answers every request the way core's Handler does, except a valid
    /// GET /users/{id} with a database store, which goes on to <paramref name="next"/> (MVC's controller).</summary>
    public Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        string method = context.Request.Method;
        string target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        int q = target.IndexOf('?');
        string path = q < 0 ? target : target[..q];
        string query = q < 0 ? "" : target[(q + 1)..];

        // The codec's checks core makes before the handler runs (Kestrel makes the others itself).
        if (!KnownMethods.Contains(method)) return Send(context, Reply.Error(501, "method not implemented", close: true));
        if (context.Request.ContentLength is long length && length > MaxBody)
        {
            return Send(context, Reply.Error(413, $"body of {length} bytes exceeds the limit of {MaxBody} bytes",
                close: true));
        }

        if (path == "/health")
        {
            return method != "GET"
                ? Send(context, MethodNotAllowed(method, path, "GET"))
                : Send(context, new Reply(200, """{"status":"ok"}"""));
        }
        if (path == "/metrics")
        {
            return method != "GET"
                ? Send(context, MethodNotAllowed(method, path, "GET"))
                : Send(context, new Reply(200, metrics.Render(), MetricsSidecar.ContentType));
        }
        if (path.StartsWith("/users/", StringComparison.Ordinal))
        {
            string idText = path[7..];
            if (idText.Contains('/')) return Send(context, NoRoute(path));
            if (method != "GET") return Send(context, MethodNotAllowed(method, path, "GET"));
            if (!TryParsePositive(idText, long.MaxValue, out ulong id))
            {
                string why = AllDigits(idText) ? "out of range" : "not a number";
                return Send(context, Reply.Error(400,
                    $"user id '{idText}' is {why}: expected an integer from 1 to 2^63-1"));
            }
            return options.Store == StoreKind.Memory ? GetUser(context, (long)id) : next(context);
        }
        if (path == "/work")
        {
            if (method != "POST") return Send(context, MethodNotAllowed(method, path, "POST"));
            if (ParseWorkN(query, out uint n) is Reply bad) return Send(context, bad);
            return Work(context, n);
        }
        if (path == "/jobs")
        {
            if (method != "POST") return Send(context, MethodNotAllowed(method, path, "POST"));
            if (ParseWorkN(query, out uint n) is Reply bad) return Send(context, bad);
            if (jobs.Submit(n) is not ulong jobId)
            {
                metrics.CountRejected("jobs_queue_full");
                return Send(context, Reply.Error(503, "job queue is full; retry later", false, ("Retry-After", "1")));
            }
            string location = $"/jobs/{jobId}";
            return Send(context, new Reply(202,
                $"{{\"id\":{jobId},\"status\":\"queued\",\"location\":{Json.Str(location)}}}",
                Headers: [("Location", location)]));
        }
        if (path.StartsWith("/jobs/", StringComparison.Ordinal))
        {
            string idText = path[6..];
            if (idText.Contains('/')) return Send(context, NoRoute(path));
            if (method != "GET") return Send(context, MethodNotAllowed(method, path, "GET"));
            if (!TryParsePositive(idText, ulong.MaxValue, out ulong id))
                return Send(context, Reply.Error(400, $"job id '{idText}' is not a positive integer"));
            if (jobs.Find(id) is not Job job) return Send(context, Reply.Error(404, $"no job {id}"));
            string result = job.Status == JobStatus.Done ? Json.Str(CpuWork.Hex(job.Result)) : "null";
            return Send(context, new Reply(200,
                $"{{\"id\":{job.Id},\"n\":{job.N},\"status\":\"{JobQueue.ToText(job.Status)}\",\"result\":{result}}}"));
        }
        return Send(context, NoRoute(path));
    }

    private Task Send(HttpContext context, Reply reply) => writer.SendAsync(context, reply);

    /// <summary>GET /users/{id}: the store wait in the configured mode, then core's row JSON or 404.</summary>
    private Task GetUser(HttpContext context, long id)
    {
        if (options.Mode == StoreMode.Async) return GetUserAsync(context, id);
        // Sync modes: this method is not async, so the blocking call runs on the pool thread that entered
        // the request delegate, before anything is awaited.
        metrics.BusyEnter();
        User? user;
        try
        {
            user = options.Mode == StoreMode.Sync ? store.FetchBlocking(id) : store.FetchSyncOverAsync(id);
        }
        finally
        {
            metrics.BusyExit();
        }
        return Send(context, UserReply.For(id, user));
    }

    private async Task GetUserAsync(HttpContext context, long id)
    {
        User? user = await store.FetchAsync(id).ConfigureAwait(false);
        await Send(context, UserReply.For(id, user)).ConfigureAwait(false);
    }

    /// <summary>POST /work: inline on the request's pool thread, or with --offload in
    /// <c>await Task.Run(...)</c> (C#'s usual "get it off the request thread", which still uses the pool).</summary>
    private Task Work(HttpContext context, uint n)
    {
        if (options.Offload) return WorkOffloadedAsync(context, n);
        return Send(context, WorkReply(n, RunCounted(n)));
    }

    private async Task WorkOffloadedAsync(HttpContext context, uint n)
    {
        ulong digest = await Task.Run(() => RunCounted(n)).ConfigureAwait(false);
        await Send(context, WorkReply(n, digest)).ConfigureAwait(false);
    }

    private ulong RunCounted(uint n)
    {
        metrics.BusyEnter();
        try
        {
            return CpuWork.Run(n);
        }
        finally
        {
            metrics.BusyExit();
        }
    }

    private static Reply WorkReply(uint n, ulong digest) =>
        new(200, $"{{\"n\":{n},\"digest\":{Json.Str(CpuWork.Hex(digest))}}}");

    private static Reply NoRoute(string path) => Reply.Error(404, $"no route for {path}");

    private static Reply MethodNotAllowed(string method, string path, string allow) =>
        Reply.Error(405, $"method {method} not allowed on {path}; allowed: {allow}", false, ("Allow", allow));

    /// <summary>?n= for /work and /jobs: absent → the default; otherwise 1..MaxN, or core's 400.</summary>
    private static Reply? ParseWorkN(string query, out uint n)
    {
        n = CpuWork.DefaultN;
        if (QueryParam(query, "n") is not string text) return null;
        if (!TryParsePositive(text, CpuWork.MaxN, out ulong value))
            return Reply.Error(400, $"n must be an integer from 1 to {CpuWork.MaxN}, got '{text}'");
        n = (uint)value;
        return null;
    }

    /// <summary>core's HttpRequest::query_param: the first pair whose name is exactly
    /// <paramref name="name"/>; "" when it has no '='; null when absent. No percent-decoding.</summary>
    private static string? QueryParam(string query, string name)
    {
        foreach (string pair in query.Split('&'))
        {
            int eq = pair.IndexOf('=');
            if ((eq < 0 ? pair : pair[..eq]) == name) return eq < 0 ? "" : pair[(eq + 1)..];
        }
        return null;
    }

    /// <summary>core's parse_positive: decimal digits only, value in [1, max] (std::from_chars semantics:
    /// no sign, no spaces, overflow is a failure).</summary>
    private static bool TryParsePositive(string text, ulong max, out ulong value)
    {
        value = 0;
        if (!AllDigits(text)) return false;
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)) return false;
        return value >= 1 && value <= max;
    }

    private static bool AllDigits(string text) => text.Length > 0 && text.All(c => c is >= '0' and <= '9');
}
