using System.Runtime.InteropServices;

namespace Slowio.AspNetCore;

/// <summary>Holds the drain to its bound when the thread pool is starved. The host's stop path (its
/// ShutdownTimeout timer, Kestrel's StopAsync, every continuation) runs on the thread pool, so in the sync
/// modes under load it starts late and the drain outlasts --shutdown-grace-ms by many seconds. This dedicated
/// thread, armed by the SIGINT/SIGTERM handler (which the runtime runs on a thread of its own), ends the process
/// at grace + <see cref="Slack"/> if Main has not: exit 5 when requests are still in flight, else 0.</summary>
public static class ShutdownWatchdog
{
    /// <summary>Beyond the grace: Kestrel waits up to 1 s for aborted connections after the grace ends; the
    /// normal path gets that second and a little more before the watchdog steps in.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(1500);

    private static int _armed;

    /// <summary>Starts the watchdog once (later calls do nothing).</summary>
    public static void Arm(TimeSpan grace, Metrics metrics)
    {
        if (Interlocked.Exchange(ref _armed, 1) != 0) return;
        new Thread(() =>
        {
            Thread.Sleep(grace + Slack);
            long left = metrics.Unanswered;
            int code = left > 0 ? 5 : 0;
            Console.Error.Write(left > 0
                ? $"{CommandLine.Name}: shutdown grace of {grace.TotalMilliseconds} ms ended with {left} request(s) " +
                  "in flight, their responses lost (thread pool starved); exiting with code 5\n"
                : $"{CommandLine.Name}: every request in flight was answered, the host is still stopping " +
                  "(thread pool starved); exiting with code 0\n");
            // _exit, not Environment.Exit: the latter runs ProcessExit handlers, which wait for the host.
            Exit(code);
        })
        { IsBackground = true, Name = "shutdown-watchdog" }.Start();
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);
}
