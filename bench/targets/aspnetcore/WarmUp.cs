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

    /// <summary>Runs the warm-up requests against <paramref name="bind"/>:<paramref name="port"/> (loopback
    /// when bound to a wildcard address); returns the first failure's reason, or null.</summary>
    public static string? Run(IPAddress bind, int port)
    {
        IPAddress target = bind.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
        var buffer = new byte[16 * 1024];
        foreach (string request in Requests)
        {
            try
            {
                using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.ReceiveTimeout = socket.SendTimeout = 5000;
                socket.Connect(target, port);
                socket.Send(Encoding.ASCII.GetBytes(request));
                while (socket.Receive(buffer) > 0)
                {
                    // Read to the server's close: the response is complete.
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
