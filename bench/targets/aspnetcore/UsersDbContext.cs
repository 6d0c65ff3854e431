using Microsoft.EntityFrameworkCore;

namespace Slowio.AspNetCore;

/// <summary>The seed's <c>_context</c>: EF Core over the users rows. <c>Users</c> maps to the view
/// <c>users_slow</c> (PostgreSQL: core/sql/slowio_schema.sql; SQLite: <see cref="SqliteDatabase"/>), which waits
/// the store latency once inside every statement that reads it, so the seed's queries run unchanged and wait
/// where a slow database waits: in the database, on the connection.</summary>
public sealed class UsersDbContext(DbContextOptions<UsersDbContext> options) : DbContext(options)
{
    /// <summary>The users table, as the seed's code reads it.</summary>
    public DbSet<User> Users => Set<User>();

    /// <inheritdoc/>
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            // PostgreSQL keeps everything in the schema the C++ servers share; SQLite has one namespace.
            user.ToView("users_slow", Database.IsNpgsql() ? "slowio" : null);
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id");
            user.Property(u => u.Name).HasColumnName("name");
            user.Property(u => u.Email).HasColumnName("email");
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
        });
    }
}
