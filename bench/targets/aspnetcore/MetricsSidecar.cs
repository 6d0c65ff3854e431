using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Slowio.AspNetCore;

/// <summary>The same /metrics text, served off the thread pool. Kestrel runs its socket I/O and every request
/// on the .NET thread pool, so when the pool starves (the sync modes under load) a scrape through Kestrel
/// starves with it, unlike server_sync, whose /metrics is answered on its I/O thread. This answers
/// <c>GET /metrics</c> on a second loopback port from one dedicated thread with plain blocking sockets
/// (HTTP/1.1, Connection: close, one client at a time), so the starvation stays observable.</summary>
public sealed class MetricsSidecar
{
    /// <summary>The Prometheus text format's Content-Type (as core's /metrics).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(2);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Metrics _metrics;

    /// <summary>Binds an ephemeral loopback port; <see cref="Start"/> begins serving.</summary>
    public MetricsSidecar(Metrics metrics)
    {
        _metrics = metrics;
        _listener.Start();
    }

    /// <summary>The bound port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Starts the dedicated (background, non-pool) thread.</summary>
    public void Start() => new Thread(Serve) { IsBackground = true, Name = "metrics-sidecar" }.Start();

    private void Serve()
    {
        for (;;)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket(); // a blocking accept(2) on this thread
            }
            catch (SocketException)
            {
                Thread.Sleep(50); // EMFILE and friends: back off, as core's accept loop does
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    Answer(client);
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    // The scraper went away or timed out: nothing to answer.
                }
            }
        }
    }

    private void Answer(Socket client)
    {
        client.ReceiveTimeout = client.SendTimeout = (int)IoTimeout.TotalMilliseconds;
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n") && head.Length < 16 * 1024)
        {
            int n = client.Receive(buffer);
            if (n == 0) break;
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        string line = head.ToString().Split("\r\n")[0];
        string[] parts = line.Split(' ');
        Reply reply = parts.Length == 3 && parts[0] == "GET" && parts[1] == "/metrics"
            ? new Reply(200, _metrics.Render(), ContentType)
            : Reply.Error(404, $"no route for {(parts.Length > 1 ? parts[1] : "")}; this port serves GET /metrics only",
                close: true);
        client.Send(reply.Serialize(keepAlive: false));
        client.Shutdown(SocketShutdown.Send);
    }
}
