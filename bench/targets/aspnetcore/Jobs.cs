using Microsoft.Extensions.Hosting;

namespace Slowio.AspNetCore;

/// <summary>Lifecycle of a background job.</summary>
public enum JobStatus
{
    /// <summary>Accepted, waiting for a worker.</summary>
    Queued,
    /// <summary>A worker is running it.</summary>
    Running,
    /// <summary>Finished; the result is valid.</summary>
    Done,
}

/// <summary>A snapshot of one job.</summary>
/// <param name="Id">The id POST /jobs returned (from 1).</param>
/// <param name="N">Rounds of CPU work.</param>
/// <param name="Status">Where it is.</param>
/// <param name="Result">The digest, valid when done.</param>
public readonly record struct Job(ulong Id, uint N, JobStatus Status, ulong Result);

/// <summary>POST /jobs' bounded FIFO with every job's status kept for GET /jobs/{id}: a port of core's
/// JobQueue. Its workers block on a monitor, not on a Channel: a Channel reader is woken through the
/// thread pool, which is exactly what starves in the sync modes, and a job worker must not depend on it.</summary>
public sealed class JobQueue
{
    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly int _retained;
    private readonly Queue<ulong> _pending = new();
    private readonly Queue<ulong> _finishedOrder = new();
    private readonly Dictionary<ulong, Job> _jobs = new();
    private ulong _nextId = 1;
    private bool _stopping;

    /// <summary>At most <paramref name="capacity"/> jobs queued (not yet running); the last
    /// <paramref name="retained"/> finished jobs stay queryable, older ones are forgotten (bounded memory).</summary>
    public JobQueue(int capacity, int retained = 100_000)
    {
        _capacity = capacity;
        _retained = retained;
    }

    /// <summary>Accepts a job and returns its id; null when the queue is full or stopping (→ 503).</summary>
    public ulong? Submit(uint n)
    {
        lock (_gate)
        {
            if (_stopping || _pending.Count >= _capacity) return null;
            ulong id = _nextId++;
            _jobs[id] = new Job(id, n, JobStatus.Queued, 0);
            _pending.Enqueue(id);
            Monitor.Pulse(_gate);
            return id;
        }
    }

    /// <summary>The job's current state; null for an unknown (or forgotten) id.</summary>
    public Job? Find(ulong id)
    {
        lock (_gate) return _jobs.TryGetValue(id, out var job) ? job : null;
    }

    /// <summary>Jobs accepted and not yet started (jobs_queue_length).</summary>
    public int Queued
    {
        get { lock (_gate) return _pending.Count; }
    }

    /// <summary>Stops accepting; the workers finish every job already accepted, then return.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>One worker's loop (a dedicated thread): take the oldest job, run it outside the lock, record
    /// the result; returns once stopping and nothing is left.</summary>
    public void WorkerLoop()
    {
        for (;;)
        {
            ulong id;
            uint n;
            lock (_gate)
            {
                // Drain everything accepted before honouring stop: an accepted job is never lost.
                while (!_stopping && _pending.Count == 0) Monitor.Wait(_gate);
                if (_pending.Count == 0) return;
                id = _pending.Dequeue();
                n = _jobs[id].N;
                _jobs[id] = _jobs[id] with { Status = JobStatus.Running };
            }
            ulong result = CpuWork.Run(n);
            lock (_gate)
            {
                _jobs[id] = _jobs[id] with { Status = JobStatus.Done, Result = result };
                _finishedOrder.Enqueue(id);
                while (_finishedOrder.Count > _retained) _jobs.Remove(_finishedOrder.Dequeue());
            }
        }
    }

    /// <summary>"queued" / "running" / "done", as core's JobQueue::to_string.</summary>
    public static string ToText(JobStatus status) => status switch
    {
        JobStatus.Queued => "queued",
        JobStatus.Running => "running",
        _ => "done",
    };
}

/// <summary>The BackgroundService that owns the job workers: dedicated threads (the analogue of core's
/// JobQueue threads), started with the host and drained at shutdown, so POST /jobs' CPU work never runs on a
/// request's pool thread.</summary>
public sealed class JobWorkers(JobQueue queue, Options options) : BackgroundService
{
    private readonly TaskCompletionSource _allExited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int running = options.JobWorkers;
        for (int i = 0; i < options.JobWorkers; i++)
        {
            var thread = new Thread(() =>
            {
                queue.WorkerLoop();
                if (Interlocked.Decrement(ref running) == 0) _allExited.TrySetResult();
            })
            {
                IsBackground = true, // a job still running when the drain bound ends does not hold the exit
                Name = $"job-worker-{i}",
            };
            thread.Start();
        }
        return _allExited.Task;
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop accepting, let the workers finish what was accepted (bounded by the host's shutdown timeout).
        queue.Stop();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
