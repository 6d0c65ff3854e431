using System.Diagnostics.Metrics;

namespace Slowio.AspNetCore;

/// <summary>Counts what Kestrel does on its own and tells the application nothing about: a request whose
/// headers did not arrive within RequestHeadersTimeout (Kestrel answers 408 and closes). Kestrel reports it
/// only as the <c>error.type</c> tag of its <c>kestrel.connection.duration</c> measurement (meter
/// Microsoft.AspNetCore.Server.Kestrel), recorded when the connection ends; this listener turns it into
/// http_rejected_total{reason="header_timeout"} and http_responses_total{code="408"}.</summary>
public sealed class KestrelEvents : IDisposable
{
    /// <summary>Kestrel's meter name.</summary>
    public const string MeterName = "Microsoft.AspNetCore.Server.Kestrel";

    private readonly MeterListener _listener = new();

    /// <summary>Starts listening (before the host is built, so Kestrel's instruments are enabled from the
    /// first connection).</summary>
    public KestrelEvents(Metrics metrics, Action<string>? debugLog = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == "kestrel.connection.duration")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != "error.type" || tag.Value is not string reason) continue;
                debugLog?.Invoke($"kestrel closed a connection: {reason}");
                if (reason == "request_headers_timeout")
                {
                    metrics.CountRejected("header_timeout");
                    metrics.CountResponse(408);
                }
            }
        });
        _listener.Start();
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();
}
