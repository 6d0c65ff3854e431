using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using System.Reflection;

namespace Slowio.AspNetCore;

/// <summary>--store postgres|sqlite: EF Core and MVC registered as an ASP.NET Core app registers them — a
/// scoped <see cref="UsersDbContext"/> per request (AddDbContext), the repository, controllers — plus the
/// suite's observers (store calls, busy threads, the 503 for database faults).</summary>
public static class DbServices
{
    /// <summary>Registers EF Core on <paramref name="connectionString"/> (PostgreSQL) or on
    /// <paramref name="sqlite"/>, and the one controller <paramref name="options"/>' --mode names.</summary>
    public static void Add(IServiceCollection services, Options options, Metrics metrics, string? connectionString,
        SqliteDatabase? sqlite)
    {
        services.AddControllers(mvc =>
            {
                mvc.Filters.Add(new DbFaultFilter(metrics));
                if (options.Mode != StoreMode.Async) mvc.Filters.Add(new BusyThreadFilter(metrics));
            })
            .ConfigureApplicationPartManager(parts => parts.FeatureProviders.Add(new OneModeController(options.Mode)));
        services.AddDbContext<UsersDbContext>(db =>
        {
            if (sqlite is null) db.UseNpgsql(connectionString);
            else db.UseSqlite(sqlite.ConnectionString);
            db.AddInterceptors(new StoreCallCounter(metrics));
            if (sqlite is not null)
                db.AddInterceptors(new SqliteDatabase.WaitFunction(TimeSpan.FromMilliseconds(options.StoreLatencyMs)));
        });
        services.AddScoped<IUserRepository, UserRepository>();
    }

    /// <summary>Keeps only --mode's controller of the three GET /users/{id} controllers.</summary>
    private sealed class OneModeController(StoreMode mode) : IApplicationFeatureProvider<ControllerFeature>
    {
        public void PopulateFeature(IEnumerable<ApplicationPart> parts, ControllerFeature feature)
        {
            Type keep = mode switch
            {
                StoreMode.Sync => typeof(SyncUsersController),
                StoreMode.SyncOverAsync => typeof(SyncOverAsyncUsersController),
                _ => typeof(AsyncUsersController),
            };
            foreach (TypeInfo controller in feature.Controllers.ToList())
            {
                if (controller.AsType() != keep) feature.Controllers.Remove(controller);
            }
        }
    }
}
