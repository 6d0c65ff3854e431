using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Slowio.AspNetCore;

/// <summary>--trace-threadpool: why .NET's thread pool changed its thread count, from the runtime's own events
/// (issue 29), one stderr line each. An in-process EventListener on the runtime's event source
/// (Microsoft-Windows-DotNETRuntime, ThreadingKeyword 0x10000, Verbose) receives what dotnet-trace would record:
/// ThreadPoolWorkerThreadAdjustmentSample (54: each hill-climbing sample's throughput),
/// ThreadPoolWorkerThreadAdjustmentAdjustment (55: the new count and its reason: warmup, initializing,
/// random move, climbing move, change point, stabilizing, starvation, thread timed out, cooperative blocking)
/// and ThreadPoolWorkerThreadAdjustmentStats (56: the climber's duration, throughput, wave, noise estimate,
/// ratio, confidence, control setting and wave magnitude). Each line:
/// <c>threadpool-trace t_ms=N event=NAME key=value ...</c>, t_ms from the process's start.</summary>
public sealed class ThreadPoolTrace : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords ThreadingKeyword = (EventKeywords)0x10000;
    private static readonly HashSet<string> Wanted = new(StringComparer.Ordinal)
    {
        "ThreadPoolWorkerThreadAdjustmentSample", "ThreadPoolWorkerThreadAdjustmentAdjustment",
        "ThreadPoolWorkerThreadAdjustmentStats", "ThreadPoolWorkerThreadStart", "ThreadPoolWorkerThreadStop",
    };

    /// <summary>ThreadPoolWorkerThreadAdjustmentAdjustment's Reason, as the runtime's
    /// ThreadPoolWorkerThreadAdjustmentReason names it.</summary>
    private static readonly string[] Reasons =
    [
        "warmup", "initializing", "random_move", "climbing_move", "change_point", "stabilizing", "starvation",
        "thread_timed_out", "cooperative_blocking",
    ];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _write = new();

    private volatile int _stopPollingAtMs = int.MaxValue;

    private ThreadPoolGateProbe? _gate;

    /// <summary>Starts the trace, and a thread of its own (not a pool thread) that prints
    /// <c>event=Completed Count=K</c> whenever <see cref="ThreadPool.CompletedWorkItemCount"/> changes, read each
    /// millisecond until 1 s after <c>Listening</c>: when the host's start-up items complete, which decides how
    /// hill climbing's first samples split them. With <paramref name="gate"/> (--trace-threadpool-gate) it reads
    /// until the process ends, adds the pool's <c>LastDequeueTick</c>, <c>Requested</c> (workers) and
    /// <c>Tick</c> (Environment.TickCount) to each Completed line, and prints
    /// <c>event=GateWake Runs=N Tick=T LastDequeueTick=D PriorDequeueTick=P Requested=R</c> each time the gate
    /// thread has run: T − D (or T − P, when a dequeue came between the check and the read, 1 ms apart) is the
    /// delay its starvation check compared with 500 ms, to one coarse tick (T is read after the check, at the
    /// print).</summary>
    public ThreadPoolTrace(bool gate = false)
    {
        if (gate)
        {
            _gate = ThreadPoolGateProbe.Create(out string? why);
            if (_gate is null) Mark($"GateProbeUnavailable reason=\"{why}\"");
        }
        var poller = new Thread(Poll) { IsBackground = true, Name = "threadpool-trace" };
        poller.Start();
    }

    private void Poll()
    {
        long last = -1;
        long lastRuns = -1;
        int priorDequeue = 0;
        while (_clock.ElapsedMilliseconds < _stopPollingAtMs)
        {
            long count = ThreadPool.CompletedWorkItemCount;
            (int dequeue, int requested) = (0, 0);
            try
            {
                (dequeue, requested) = _gate?.Read() ?? (0, 0);
            }
            catch (Exception e) when (e is InvalidCastException or NullReferenceException or TargetException)
            {
                // A runtime whose pool no longer has these fields as read at start: say so once, trace on without.
                Mark($"GateProbeFailed reason=\"{e.GetType().Name}\"");
                _gate = null;
            }
            // A dequeue between the gate's check and this read moves LastDequeueTick past what the check saw;
            // the check saw PriorDequeueTick (the read before) or LastDequeueTick.
            int prior = priorDequeue;
            string Pool() => _gate is null ? ""
                : $" Tick={Environment.TickCount} LastDequeueTick={dequeue} PriorDequeueTick={prior}"
                  + $" Requested={requested}";
            priorDequeue = dequeue;
            if (count != last) Mark($"Completed Count={count}{Pool()}");
            last = count;
            if (_gate?.GateRuns() is long runs && runs != lastRuns)
            {
                if (lastRuns >= 0) Mark($"GateWake Runs={runs}{Pool()}");
                lastRuns = runs;
            }
            Thread.Sleep(1);
        }
    }

    /// <summary><c>event=WarmUp</c> on the trace's clock as the warm-up requests start, so a trace says which of
    /// the completions before <c>Listening</c> are the host's own and which the warm-up's.</summary>
    public void WarmUpStarting() => Mark("WarmUp");

    /// <summary><c>event=Listening</c> on the trace's clock when the port is announced, so a trace says which
    /// samples came before the load; the completions are read for 1 s more (without the gate probe).</summary>
    public void Listening()
    {
        Mark("Listening");
        if (_gate is null) _stopPollingAtMs = (int)_clock.ElapsedMilliseconds + 1000;
    }

    private void Mark(string name)
    {
        string line = $"threadpool-trace t_ms={_clock.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture)} event={name}\n";
        lock (_write) Console.Error.Write(line);
    }

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Verbose, ThreadingKeyword);
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not string name || !Wanted.Contains(name)) return;
        var line = new StringBuilder(160);
        line.Append("threadpool-trace t_ms=").Append(_clock.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture))
            .Append(" event=").Append(name["ThreadPoolWorkerThread".Length..]);
        for (int i = 0; i < (e.PayloadNames?.Count ?? 0); i++)
        {
            string key = e.PayloadNames![i];
            if (key == "ClrInstanceID") continue;
            object? value = e.Payload![i];
            string text = key == "Reason" && value is uint r && r < Reasons.Length ? Reasons[r]
                : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            line.Append(' ').Append(key).Append('=').Append(text);
        }
        line.Append('\n');
        lock (_write) Console.Error.Write(line.ToString());
    }
}
