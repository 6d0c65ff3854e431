namespace Slowio.AspNetCore;

/// <summary>GET /users/{id}'s answer, core's bytes: the row's JSON, or 404 with core's reason. One place for
/// both the memory store (Routes) and EF Core's controllers, so every store answers alike.</summary>
public static class UserReply
{
    /// <summary>The reply for <paramref name="id"/> given the row found (null: none).</summary>
    public static Reply For(long id, User? user) => user is null
        ? Reply.Error(404, $"no user {id}")
        : new Reply(200,
            $"{{\"id\":{user.Id},\"name\":{Json.Str(user.Name)},\"email\":{Json.Str(user.Email)}," +
            $"\"created_at\":{Json.Str(user.CreatedAt)}}}");
}
