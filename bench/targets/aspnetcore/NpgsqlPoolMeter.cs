using System.Diagnostics.Metrics;

namespace Slowio.AspNetCore;

/// <summary>Npgsql's own pool figures under our servers' db_pool_* names, read from its System.Diagnostics.Metrics
/// instruments (meter "Npgsql", OpenTelemetry's database semantic conventions): db.client.connection.count by
/// db.client.connection.state (idle, used) gives db_pool_connections (both) and db_pool_busy_connections (used);
/// db.client.connection.npgsql.pending_requests gives db_pool_waiters. Npgsql does not measure the wait for a
/// pooled connection, so db_pool_wait_seconds is absent (never guessed).</summary>
public sealed class NpgsqlPoolMeter : IDisposable
{
    /// <summary>Npgsql's meter name.</summary>
    public const string MeterName = "Npgsql";

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    // Per instrument and state tag: an observable instrument's last reading, or an UpDownCounter's running sum.
    private readonly Dictionary<(string Instrument, string State), long> _values = [];
    private readonly HashSet<string> _observable = [];
    private bool _seen;

    /// <summary>Starts listening (before the first connection opens, so nothing is missed).</summary>
    public NpgsqlPoolMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is "db.client.connection.count"
                    or "db.client.connection.npgsql.pending_requests")
            {
                lock (_lock)
                {
                    if (instrument.IsObservable) _observable.Add(instrument.Name);
                }
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.Start();
    }

    /// <summary>(connections, busy, waiters) now, or null before Npgsql has published its instruments.</summary>
    public (long Connections, long Busy, long Waiters)? Read()
    {
        lock (_lock)
        {
            // An observable instrument's callbacks run now and replace its readings.
            foreach (var key in _values.Keys.Where(k => _observable.Contains(k.Instrument)).ToList())
                _values[key] = 0;
        }
        _listener.RecordObservableInstruments();
        lock (_lock)
        {
            if (!_seen) return null;
            long used = Sum("db.client.connection.count", "used");
            long idle = Sum("db.client.connection.count", "idle");
            return (used + idle, used, Sum("db.client.connection.npgsql.pending_requests", null));
        }
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string state = "";
        foreach (var tag in tags)
        {
            if (tag.Key == "db.client.connection.state") state = tag.Value as string ?? "";
        }
        lock (_lock)
        {
            _seen = true;
            var key = (instrument.Name, state);
            // Several pools (one per connection string) each report: observable readings add up within one
            // RecordObservableInstruments pass (zeroed before it), deltas add up always.
            _values[key] = _values.GetValueOrDefault(key) + value;
        }
    }

    private long Sum(string instrument, string? state) =>
        _values.Where(p => p.Key.Instrument == instrument && (state is null || p.Key.State == state)).Sum(p => p.Value);

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();
}
