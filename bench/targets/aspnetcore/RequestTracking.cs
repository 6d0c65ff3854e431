using Microsoft.AspNetCore.Http;

namespace Slowio.AspNetCore;

/// <summary>Counts requests in flight (http_requests_in_flight, and the drain's exit code): from the moment
/// Kestrel hands the parsed request to the application until its response completed (Response.OnCompleted,
/// which Kestrel runs after the last byte was written, or after the connection was aborted).</summary>
public static class RequestTracking
{
    /// <summary>Wraps <paramref name="next"/>; nothing is awaited here, so in the sync modes the blocking
    /// store call still runs on the thread Kestrel dispatched the request to.</summary>
    public static RequestDelegate Wrap(RequestDelegate next, Metrics metrics) => context =>
    {
        metrics.RequestStarted();
        context.Response.OnCompleted(static state =>
        {
            ((Metrics)state).RequestFinished();
            return Task.CompletedTask;
        }, metrics);
        return next(context);
    };
}
