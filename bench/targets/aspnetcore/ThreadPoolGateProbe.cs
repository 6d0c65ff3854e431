using System.Globalization;
using System.Reflection;

namespace Slowio.AspNetCore;

/// <summary>--trace-threadpool-gate: what .NET's starvation gate compares, read from outside the pool (issue 29).
/// The gate thread (".NET TP Gate") wakes each 500 ms and adds a thread when
/// <c>Environment.TickCount - lastDequeueTime</c> exceeds 500 ms (GateThread.SufficientDelaySinceLastDequeue) while
/// a worker is requested. Neither the check's time nor lastDequeueTime is in the runtime's events, so this reads
/// <c>PortableThreadPool._separated.lastDequeueTime</c> and <c>numRequestedWorkers</c> by reflection (private to
/// CoreLib: a runtime that renames them gets a one-line reason instead) and counts the gate thread's runs on a CPU
/// from the kernel's <c>/proc/self/task/TID/schedstat</c>: each wake-up, the checks among them, adds one.</summary>
public sealed class ThreadPoolGateProbe
{
    private const string GateThreadName = ".NET TP Gate";
    // The fields' own accessibility varies (ThreadPoolInstance is public on an internal class): search all.
    private const BindingFlags Any =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private readonly object _pool;
    private readonly FieldInfo _separated;
    private readonly FieldInfo _lastDequeueTime;
    private readonly FieldInfo _numRequestedWorkers;
    private string? _gateSchedstat;
    private long _nextSearchTick;

    private ThreadPoolGateProbe(object pool, FieldInfo separated, FieldInfo lastDequeueTime, FieldInfo requested)
    {
        _pool = pool;
        _separated = separated;
        _lastDequeueTime = lastDequeueTime;
        _numRequestedWorkers = requested;
    }

    /// <summary>The probe, or null with the reason in <paramref name="why"/> when this runtime's pool is not the
    /// PortableThreadPool these fields belong to.</summary>
    public static ThreadPoolGateProbe? Create(out string? why)
    {
        why = null;
        Type? type = typeof(ThreadPool).Assembly.GetType("System.Threading.PortableThreadPool");
        object? pool = type?.GetField("ThreadPoolInstance", Any)?.GetValue(null);
        FieldInfo? separated = type?.GetField("_separated", Any);
        FieldInfo? last = separated?.FieldType.GetField("lastDequeueTime", Any);
        FieldInfo? requested = separated?.FieldType.GetField("numRequestedWorkers", Any);
        if (pool is null || separated is null || last?.FieldType != typeof(int) || requested?.FieldType != typeof(int))
        {
            why = "this runtime has no int PortableThreadPool._separated.lastDequeueTime and numRequestedWorkers";
            return null;
        }
        if (!Directory.Exists("/proc/self/task"))
        {
            why = "no /proc/self/task to find the gate thread in (not Linux)";
            return null;
        }
        return new ThreadPoolGateProbe(pool, separated, last, requested);
    }

    /// <summary>The pool's lastDequeueTime and numRequestedWorkers, read together (one copy of the struct).</summary>
    public (int LastDequeueTick, int RequestedWorkers) Read()
    {
        object separated = _separated.GetValue(_pool)!;
        return ((int)_lastDequeueTime.GetValue(separated)!, (int)_numRequestedWorkers.GetValue(separated)!);
    }

    /// <summary>How many times the gate thread has been run on a CPU (schedstat's third field), or null before
    /// the runtime starts it (it starts with the first thread request, and is looked for again until then).</summary>
    public long? GateRuns()
    {
        if (_gateSchedstat is null)
        {
            // Listing the process's threads costs more than a read: at most every 100 ms.
            if (Environment.TickCount64 < _nextSearchTick) return null;
            _nextSearchTick = Environment.TickCount64 + 100;
            _gateSchedstat = FindGateThread();
            if (_gateSchedstat is null) return null;
        }
        try
        {
            string[] fields = File.ReadAllText(_gateSchedstat).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 3 ? long.Parse(fields[2], CultureInfo.InvariantCulture) : null;
        }
        catch (IOException)
        {
            // The gate thread is the runtime's for good once started; a failed read is looked up again.
            _gateSchedstat = null;
            return null;
        }
    }

    private static string? FindGateThread()
    {
        IEnumerable<string> tasks;
        try
        {
            tasks = Directory.EnumerateDirectories("/proc/self/task").ToList();
        }
        catch (IOException)
        {
            return null;
        }
        foreach (string task in tasks)
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == GateThreadName)
                    return Path.Combine(task, "schedstat");
            }
            catch (IOException)
            {
                // A thread that exited while the directory was read.
            }
        }
        return null;
    }
}
