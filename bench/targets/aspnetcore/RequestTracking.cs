using Microsoft.AspNetCore.Http;

namespace Slowio.AspNetCore;

/// <summary>Counts requests in flight (http_requests_in_flight, and the drain's exit code): from the moment
/// Kestrel hands the parsed request to the application until its response completed (Response.OnCompleted,
/// which Kestrel runs after the last byte was written, or after the connection was aborted). A request whose
/// connection was aborted during the drain is counted lost. Unlike server_sync, requests Kestrel has received
/// but not yet handed to the application (waiting for a starved pool thread) are not counted.</summary>
public static class RequestTracking
{
    /// <summary>Wraps <paramref name="next"/>; nothing is awaited here, so in the sync modes the blocking
    /// store call still runs on the thread Kestrel dispatched the request to.</summary>
    public static RequestDelegate Wrap(RequestDelegate next, Metrics metrics) => context =>
    {
        metrics.RequestStarted();
        context.Response.OnCompleted(static state =>
        {
            var (m, c) = ((Metrics, HttpContext))state;
            // Aborted during the drain: Kestrel dropped the connection at the end of the grace period, so
            // whatever the application wrote after that never left.
            if (m.Stopping && c.RequestAborted.IsCancellationRequested) m.RequestLost();
            m.RequestFinished();
            return Task.CompletedTask;
        }, (metrics, context));
        return next(context);
    };
}
