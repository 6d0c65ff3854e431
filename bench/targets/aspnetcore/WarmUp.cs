using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Slowio.AspNetCore;

/// <summary>Sends a few requests to the server itself before it announces its port. .NET loads assemblies
/// lazily and keeps each one's file open; Kestrel's request path needs a dozen more on the first request. If
/// that first request comes while the process is out of descriptors (the contract's EMFILE case), the loads
/// fail and the runtime remembers the failure: every later connection would fail too. Loading them here, at
/// start, makes running out of descriptors a transient condition, as it is for the C++ servers.</summary>
public static class WarmUp
{
    private static readonly string[] Requests =
    [
        "GET /health HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n",
        "POST /work?n=1 HTTP/1.1\r\nHost: warmup\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "GET /nope HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n",
    ];

    /// <summary>With a database store: the seed's query once through MVC and EF Core, which build their
    /// action invoker, model and compiled query now rather than on the first clients' requests (a second of
    /// CPU), and which must answer 200 or the start fails. It waits the store latency once.</summary>
    public const string DatabaseRequest = "GET /users/1 HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n";

    /// <summary>How long the database request may take: its first use's costs, on a loaded machine.</summary>
    private const int DatabaseTimeoutMs = 60_000;

    /// <summary>How a failure of <see cref="DatabaseRequest"/> begins: the start fails (exit 1) on it, where any
    /// other warm-up failure is only logged.</summary>
    public const string StoreFailure = "the store's first query answered";

    /// <summary>Runs the warm-up requests, then <paramref name="database"/>'s if given, against
    /// <paramref name="bind"/>:<paramref name="port"/> (loopback when bound to a wildcard address); returns the
    /// first failure's reason, or null.</summary>
    public static string? Run(IPAddress bind, int port, string? database = null)
    {
        IPAddress target = bind.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
        var buffer = new byte[16 * 1024];
        foreach (string request in database is null ? Requests : [.. Requests, database])
        {
            try
            {
                using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                // The database request waits longer: MVC's and EF Core's first use is a second of CPU idle and
                // took over 5 s beside a busy core (sync-over-async, PostgreSQL), after which its statement ran
                // once the counters were zeroed and counted as the workload's (test_efcore_live).
                socket.ReceiveTimeout = socket.SendTimeout = request == database ? DatabaseTimeoutMs : 5000;
                socket.Connect(target, port);
                socket.Send(Encoding.ASCII.GetBytes(request));
                int received = 0, n;
                while ((n = socket.Receive(buffer, received, buffer.Length - received, SocketFlags.None)) > 0)
                    received = Math.Min(received + n, buffer.Length - 1024); // read to the server's close
                string status = Encoding.ASCII.GetString(buffer, 0, Math.Min(received, 12));
                if (request == database && status != "HTTP/1.1 200")
                {
                    string body = Encoding.UTF8.GetString(buffer, 0, received);
                    return $"{StoreFailure} '{body[(body.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]}'";
                }
            }
            catch (SocketException e)
            {
                return $"warm-up request '{request[..request.IndexOf('\r')]}' failed: {e.Message}";
            }
        }
        return null;
    }
}
