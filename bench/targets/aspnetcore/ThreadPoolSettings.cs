namespace Slowio.AspNetCore;

/// <summary>--min-threads / --max-threads: the .NET thread pool's worker-thread bounds (the pool Kestrel
/// dispatches every request to). The I/O completion-port bounds are kept: on Linux they are unused.</summary>
public static class ThreadPoolSettings
{
    /// <summary>Applies the flags given; returns a one-line reason when the runtime refuses them (e.g. a
    /// maximum below the processor count), null on success.</summary>
    public static string? Apply(Options options)
    {
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        ThreadPool.GetMaxThreads(out int maxWorkers, out int maxIo);
        // Raise the maximum first when both move up, lower the minimum first when both move down, so the
        // runtime never sees min > max in between.
        if (options.MaxThreads is int max && max >= minWorkers && !ThreadPool.SetMaxThreads(max, maxIo))
            return $"--max-threads {max} refused by the runtime (at least {Environment.ProcessorCount} processors)";
        if (options.MinThreads is int min && !ThreadPool.SetMinThreads(min, minIo))
            return $"--min-threads {min} refused by the runtime (the maximum is {CurrentMax()})";
        if (options.MaxThreads is int max2 && !ThreadPool.SetMaxThreads(max2, maxIo))
        {
            return $"--max-threads {max2} refused by the runtime (it must be at least the processor count " +
                   $"{Environment.ProcessorCount} and the minimum)";
        }
        return null;
    }

    /// <summary>The pool's current bounds, for the startup log.</summary>
    public static string Describe()
    {
        ThreadPool.GetMinThreads(out int minWorkers, out _);
        return $"thread pool: min {minWorkers}, max {CurrentMax()} worker threads";
    }

    private static int CurrentMax()
    {
        ThreadPool.GetMaxThreads(out int maxWorkers, out _);
        return maxWorkers;
    }
}
