using System.Data.Common;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Npgsql;

namespace Slowio.AspNetCore;

/// <summary>A database fault as our servers answer it: a 503 with a JSON reason, never a hang or an empty 500.
/// No free pooled connection within Npgsql's Timeout ("The connection pool has been exhausted…", which a stock
/// ASP.NET Core app answers with a 500) is core's db_pool_timeout: 503 + Retry-After, reason "database
/// connection pool exhausted", http_rejected_total{reason="db_pool_timeout"}. Any other database error
/// (PostgreSQL down, a statement that failed) is 503 "database unavailable: …".</summary>
public sealed class DbFaultFilter(Metrics metrics) : IExceptionFilter
{
    /// <summary>core's pg_pool_exhausted_reason.</summary>
    public const string PoolExhaustedReason = "database connection pool exhausted";

    /// <inheritdoc/>
    public void OnException(ExceptionContext context)
    {
        // .Result wraps the fault in an AggregateException; EF Core may wrap it in another exception.
        for (Exception? e = context.Exception; e != null; e = e is AggregateException a ? a.InnerException : e.InnerException)
        {
            if (e is NpgsqlException && e.InnerException is TimeoutException
                    && e.Message.Contains("pool has been exhausted", StringComparison.Ordinal))
            {
                metrics.CountRejected("db_pool_timeout");
                context.Result = new ReplyResult(Reply.Error(503, PoolExhaustedReason, false, ("Retry-After", "1")));
                context.ExceptionHandled = true;
                return;
            }
            if (e is DbException)
            {
                string message = e.Message.Split('\n')[0];
                context.Result = new ReplyResult(Reply.Error(503, $"database unavailable: {message}", false,
                    ("Retry-After", "1")));
                context.ExceptionHandled = true;
                return;
            }
        }
    }
}
