using System.Buffers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Slowio.AspNetCore;

/// <summary>--max-connections as the contract wants it (core's ConnectionRejection): the connection beyond
/// the limit is answered once with core's 503 + Retry-After + Connection: close, its request never read,
/// then closed with a lingering close. Kestrel's own Limits.MaxConcurrentConnections cannot do this: it
/// closes the extra connection without any response, so it is left unset and this connection middleware
/// (ListenOptions.Use) enforces the limit. It also counts http_connections_open.</summary>
public static class ConnectionLimit
{
    /// <summary>How long a lingering close discards the peer's bytes at most (core's LingeringClose: 2 s,
    /// as Apache httpd).</summary>
    public static readonly TimeSpan LingerLimit = TimeSpan.FromSeconds(2);

    /// <summary>The connection middleware for <paramref name="maxConnections"/> open connections.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(int maxConnections, Metrics metrics) =>
        next => async connection =>
        {
            if (!metrics.TryOpenConnection(maxConnections))
            {
                metrics.CountRejected("max_connections");
                await RejectAsync(connection, maxConnections, metrics).ConfigureAwait(false);
                return;
            }
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                metrics.ConnectionClosed();
            }
        };

    private static async Task RejectAsync(ConnectionContext connection, int maxConnections, Metrics metrics)
    {
        var reply = Reply.Error(503, $"too many open connections (limit {maxConnections}); retry later",
            close: true, ("Retry-After", "1"));
        metrics.CountResponse(503);
        try
        {
            byte[] bytes = reply.Serialize(keepAlive: false);
            if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is Socket socket)
            {
                // Straight to the socket: a write to Transport.Output only reaches Kestrel's send loop later,
                // and a half-close issued meanwhile would cut the response off. Then half-close, so the client
                // sees the end of the response, and discard what it sends until it closes or LingerLimit
                // passes: closing with unread input would send a RST that can destroy the response in flight.
                socket.Send(bytes);
                socket.Shutdown(SocketShutdown.Send);
            }
            else
            {
                await connection.Transport.Output.WriteAsync(bytes).ConfigureAwait(false);
                await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            }
            using var linger = new CancellationTokenSource(LingerLimit);
            for (;;)
            {
                var read = await connection.Transport.Input.ReadAsync(linger.Token).ConfigureAwait(false);
                connection.Transport.Input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException
                                      or ObjectDisposedException or ConnectionResetException)
        {
            // The linger ended or the peer went away: either way the connection is done.
        }
    }
}
