using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Slowio.AspNetCore;

/// <summary>An MVC action's result written by <see cref="ReplyWriter"/>: core's status line, headers and JSON,
/// counted in http_responses_total like every other response (no MVC output formatter in between).</summary>
public sealed class ReplyResult(Reply reply) : IActionResult
{
    /// <summary>The reply this result writes.</summary>
    public Reply Reply { get; } = reply;

    /// <inheritdoc/>
    public Task ExecuteResultAsync(ActionContext context) =>
        context.HttpContext.RequestServices.GetRequiredService<ReplyWriter>().SendAsync(context.HttpContext, Reply);
}
