using System.Data.Common;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Slowio.AspNetCore;

/// <summary>store_calls_total for EF Core: one per statement EF sends (each waits the latency once), counted
/// as it starts, as core counts a store call.</summary>
public sealed class StoreCallCounter(Metrics metrics) : DbCommandInterceptor
{
    /// <inheritdoc/>
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result)
    {
        metrics.StoreCall();
        return result;
    }

    /// <inheritdoc/>
    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
        CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        metrics.StoreCall();
        return ValueTask.FromResult(result);
    }
}

/// <summary>threadpool_busy_threads for the blocking actions (--mode sync, sync-over-async): a synchronous
/// action runs between these two calls on one pool thread, which it holds for the whole store wait.</summary>
public sealed class BusyThreadFilter(Metrics metrics) : IActionFilter
{
    /// <inheritdoc/>
    public void OnActionExecuting(ActionExecutingContext context) => metrics.BusyEnter();

    /// <inheritdoc/>
    public void OnActionExecuted(ActionExecutedContext context) => metrics.BusyExit();
}
