using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Mvc;

namespace Slowio.AspNetCore;

// The seed's controller actions, one class per --mode (DbModeControllers registers only the one the mode
// names, so each process has exactly one GET /users/{id} action). The lookup lines are the seed's code as the
// folklore tells it; the reply is core's JSON (UserReply), so the bytes match our servers'. Routes answers every
// request a C++ server would refuse before the store (a bad id, a wrong method) and hands only a valid
// GET /users/{id} to MVC.

/// <summary><c>--mode sync</c>: <c>FirstOrDefault</c> blocks the request's pool thread in the driver's socket
/// read for the whole statement (PostgreSQL) or in the SQLite call (SQLite).</summary>
[ApiController]
[Route("users")]
public sealed class SyncUsersController(UsersDbContext context) : ControllerBase
{
    private readonly UsersDbContext _context = context;

    /// <summary>GET /users/{id}.</summary>
    [HttpGet("{id}")]
    public IActionResult GetUser(long id)
    {
        var user = _context.Users.FirstOrDefault(u => u.Id == id);
        return new ReplyResult(UserReply.For(id, user));
    }
}

/// <summary><c>--mode async</c>: <c>await FirstOrDefaultAsync</c>. On PostgreSQL no thread waits for the
/// statement (Npgsql's socket read is awaited); on SQLite Microsoft.Data.Sqlite runs it synchronously
/// anyway (dotnet/efcore#28279), so the thread blocks as in sync.</summary>
[ApiController]
[Route("users")]
public sealed class AsyncUsersController(UsersDbContext context) : ControllerBase
{
    private readonly UsersDbContext _context = context;

    /// <summary>GET /users/{id}.</summary>
    [HttpGet("{id}")]
    public async Task<IActionResult> GetUser(long id)
    {
        var user = await _context.Users.FirstOrDefaultAsync(u => u.Id == id);
        return new ReplyResult(UserReply.For(id, user));
    }
}

/// <summary><c>--mode sync-over-async</c>: the repository's async lookup, then <c>.Result</c>. ASP.NET Core has no
/// SynchronizationContext, so the continuation does not need the blocked thread: no deadlock, but one blocked
/// pool thread per request, plus a second one to run the continuation that completes the task.</summary>
[ApiController]
[Route("users")]
public sealed class SyncOverAsyncUsersController(IUserRepository repo) : ControllerBase
{
    private readonly IUserRepository _repo = repo;

    /// <summary>GET /users/{id}.</summary>
    [HttpGet("{id}")]
    public IActionResult GetUser(long id)
    {
        var user = _repo.GetByIdAsync(id).Result;
        return new ReplyResult(UserReply.For(id, user));
    }
}
