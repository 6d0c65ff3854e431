namespace Slowio.AspNetCore;

/// <summary>The CPU-bound work of POST /work and of background jobs, as core's CpuWork: N dependent rounds
/// of splitmix64's mix, so the cost is proportional to N and the digest is the same as the C++ servers'.</summary>
public static class CpuWork
{
    /// <summary>Rounds when ?n= is absent (about 2 ms).</summary>
    public const uint DefaultN = 1_000_000;
    /// <summary>Upper bound of ?n= (about 0.4 s), so one request cannot hog a thread for ever.</summary>
    public const uint MaxN = 200_000_000;

    /// <summary>Runs <paramref name="n"/> rounds and returns the digest (deterministic for a given n).</summary>
    public static ulong Run(uint n)
    {
        // Each round depends on the previous one: the JIT cannot vectorize or skip rounds.
        ulong x = n;
        for (uint i = 0; i < n; ++i)
        {
            x += 0x9e3779b97f4a7c15UL;
            x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
            x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
            x ^= x >> 31;
        }
        return x;
    }

    /// <summary>The digest as core renders it: 16 lower-case hex digits.</summary>
    public static string Hex(ulong digest) => digest.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
