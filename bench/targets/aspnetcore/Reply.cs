using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Slowio.AspNetCore;

/// <summary>A response before it is written: core's HttpResponse (status, content type, body, extra
/// headers in order, close).</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Body">The body (UTF-8 on the wire).</param>
/// <param name="ContentType">Content-Type; JSON unless said otherwise.</param>
/// <param name="Headers">Extra headers (Allow, Location, Retry-After), written after Content-Length.</param>
/// <param name="Close">Force <c>Connection: close</c> (every codec error does, as core).</param>
public sealed record Reply(int Status, string Body, string ContentType = Reply.JsonType,
    (string Name, string Value)[]? Headers = null, bool Close = false)
{
    /// <summary>The Content-Type of every JSON body.</summary>
    public const string JsonType = "application/json";

    /// <summary>core's error_response: <c>{"error":REASON,"status":N}</c>.</summary>
    public static Reply Error(int status, string reason, bool close = false,
        params (string Name, string Value)[] headers) =>
        new(status, Json.Error(status, reason), JsonType, headers.Length > 0 ? headers : null, close);

    /// <summary>core's reason phrases (HttpResponse.cpp), set explicitly on every response this app writes, so
    /// its status lines are core's whatever Kestrel's own table says.</summary>
    public static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    };

    /// <summary>The whole response as core's serialize() renders it, for the answers this server writes to a
    /// raw connection itself (the 503 beyond --max-connections), where Kestrel's HTTP layer is not involved.</summary>
    public byte[] Serialize(bool keepAlive)
    {
        byte[] body = Encoding.UTF8.GetBytes(Body);
        var sb = new StringBuilder(160 + body.Length);
        sb.Append("HTTP/1.1 ").Append(Status.ToString(CultureInfo.InvariantCulture)).Append(' ')
          .Append(ReasonPhrase(Status))
          .Append("\r\nDate: ").Append(DateTime.UtcNow.ToString("R", CultureInfo.InvariantCulture))
          .Append("\r\nServer: slowio\r\nContent-Type: ").Append(ContentType)
          .Append("\r\nContent-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var (name, value) in Headers ?? []) sb.Append(name).Append(": ").Append(value).Append("\r\n");
        sb.Append(keepAlive && !Close ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
        byte[] head = Encoding.ASCII.GetBytes(sb.ToString());
        return [.. head, .. body];
    }
}

/// <summary>Writes a <see cref="Reply"/> through Kestrel with core's header set: Server: slowio (Kestrel's
/// own Server header is off), Content-Type, Content-Length, the extra headers, and an explicit Connection
/// header decided as core decides it (the request's keep-alive wish, the reply's Close, and shutdown:
/// a response written after SIGTERM says close, as Kestrel will close the connection after it).
/// Kestrel adds Date itself; it orders the headers its own way (README).</summary>
public sealed class ReplyWriter(Metrics metrics, CancellationToken stopping)
{
    /// <summary>Sends <paramref name="reply"/> as the response of <paramref name="context"/>.</summary>
    public Task SendAsync(HttpContext context, Reply reply)
    {
        var response = context.Response;
        response.StatusCode = reply.Status;
        context.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = Reply.ReasonPhrase(reply.Status);
        byte[] body = Encoding.UTF8.GetBytes(reply.Body);
        var headers = response.Headers;
        headers.Server = "slowio";
        headers.ContentType = reply.ContentType;
        headers.ContentLength = body.Length;
        foreach (var (name, value) in reply.Headers ?? []) headers[name] = value;
        bool keepAlive = WantsKeepAlive(context.Request) && !reply.Close && !stopping.IsCancellationRequested;
        headers.Connection = keepAlive ? "keep-alive" : "close";
        metrics.CountResponse(reply.Status);
        return response.Body.WriteAsync(body, 0, body.Length);
    }

    /// <summary>http-parser's http_should_keep_alive: HTTP/1.1 unless a "close" token, HTTP/1.0 only with a
    /// "keep-alive" token in the Connection header.</summary>
    public static bool WantsKeepAlive(HttpRequest request)
    {
        bool close = false, keepAlive = false;
        foreach (string? value in request.Headers.Connection)
        {
            foreach (string token in (value ?? "").Split(','))
            {
                string t = token.Trim();
                close |= t.Equals("close", StringComparison.OrdinalIgnoreCase);
                keepAlive |= t.Equals("keep-alive", StringComparison.OrdinalIgnoreCase);
            }
        }
        return request.Protocol == "HTTP/1.1" ? !close : keepAlive;
    }
}
