using Microsoft.EntityFrameworkCore;

namespace Slowio.AspNetCore;

/// <summary>The seed's repository: the async lookup that <c>--mode sync-over-async</c> calls <c>.Result</c> on.</summary>
public interface IUserRepository
{
    /// <summary>The user with <paramref name="id"/>, or null.</summary>
    Task<User?> GetByIdAsync(long id);
}

/// <summary><see cref="IUserRepository"/> over EF Core: <c>FirstOrDefaultAsync</c>, as the seed writes it.</summary>
public sealed class UserRepository(UsersDbContext context) : IUserRepository
{
    private readonly UsersDbContext _context = context;

    /// <inheritdoc/>
    public async Task<User?> GetByIdAsync(long id) => await _context.Users.FirstOrDefaultAsync(u => u.Id == id);
}
