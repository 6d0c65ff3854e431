using System.Globalization;
using Npgsql;

namespace Slowio.AspNetCore;

/// <summary>--pg as our C++ servers read it (libpq: a <c>postgresql://</c> URI or <c>key=value</c> pairs, and the
/// PG* environment for what it leaves out), turned into Npgsql's connection string, which has neither form.
/// The parameters a benchmark run uses are understood; any other is refused by name rather than ignored.</summary>
public static class LibpqUrl
{
    /// <summary>The libpq parameters understood here, and the PG* variable that gives each its default.</summary>
    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["host"] = "PGHOST", ["port"] = "PGPORT", ["dbname"] = "PGDATABASE", ["user"] = "PGUSER",
        ["password"] = "PGPASSWORD", ["sslmode"] = "PGSSLMODE", ["application_name"] = "PGAPPNAME",
        ["options"] = "PGOPTIONS",
    };

    /// <summary>Parses <paramref name="url"/> (null or empty: the environment alone) into Npgsql's builder,
    /// or says why not in one line.</summary>
    public static (NpgsqlConnectionStringBuilder? Builder, string? Error) Parse(string? url)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        string? error = string.IsNullOrEmpty(url) ? null
            : url.StartsWith("postgresql://", StringComparison.Ordinal) || url.StartsWith("postgres://", StringComparison.Ordinal)
                ? ParseUri(url, given)
                : ParseKeywords(url, given);
        if (error != null) return (null, error);
        foreach (var (key, variable) in Variables)
        {
            if (!given.ContainsKey(key) && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
                given[key] = value;
        }
        return Build(given);
    }

    private static (NpgsqlConnectionStringBuilder?, string?) Build(Dictionary<string, string> p)
    {
        string user = p.GetValueOrDefault("user") ?? Environment.UserName;
        var b = new NpgsqlConnectionStringBuilder
        {
            // libpq's defaults where a parameter is absent: Debian's socket directory, 5432, the OS user, a
            // database named after the user.
            Host = p.GetValueOrDefault("host") ?? "/var/run/postgresql",
            Username = user,
            Database = p.GetValueOrDefault("dbname") ?? user,
            ApplicationName = p.GetValueOrDefault("application_name") ?? "slowio",
        };
        if (p.GetValueOrDefault("password") is string password) b.Password = password;
        if (p.GetValueOrDefault("options") is string options) b.Options = options;
        if (p.GetValueOrDefault("port") is string port)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 65535)
                return (null, $"port '{port}' is not a TCP port");
            b.Port = n;
        }
        if (p.GetValueOrDefault("sslmode") is string sslmode)
        {
            SslMode? mode = sslmode switch
            {
                "disable" => SslMode.Disable, "allow" => SslMode.Allow, "prefer" => SslMode.Prefer,
                "require" => SslMode.Require, "verify-ca" => SslMode.VerifyCA, "verify-full" => SslMode.VerifyFull,
                _ => null,
            };
            if (mode is null) return (null, $"sslmode '{sslmode}' is not a libpq sslmode");
            b.SslMode = mode.Value;
        }
        return (b, null);
    }

    /// <summary>postgresql://[user[:password]@][host][:port][/dbname][?key=value&amp;...], percent-decoded.</summary>
    private static string? ParseUri(string url, Dictionary<string, string> p)
    {
        string rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        int q = rest.IndexOf('?');
        string query = q < 0 ? "" : rest[(q + 1)..];
        if (q >= 0) rest = rest[..q];
        int slash = rest.IndexOf('/');
        if (slash >= 0 && slash + 1 < rest.Length) p["dbname"] = Uri.UnescapeDataString(rest[(slash + 1)..]);
        string authority = slash < 0 ? rest : rest[..slash];
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = authority[..at];
            int colon = userInfo.IndexOf(':');
            p["user"] = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            if (colon >= 0) p["password"] = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            authority = authority[(at + 1)..];
        }
        if (authority.Contains(',')) return "several hosts are not supported";
        int portColon = authority.StartsWith('[') ? authority.IndexOf("]:", StringComparison.Ordinal) + 1 : authority.LastIndexOf(':');
        if (portColon > 0)
        {
            p["port"] = authority[(portColon + 1)..];
            authority = authority[..portColon];
        }
        if (authority.Length > 0) p["host"] = Uri.UnescapeDataString(authority.Trim('[', ']'));
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) return $"'{pair}' is not key=value";
            if (Accept(Uri.UnescapeDataString(pair[..eq]), Uri.UnescapeDataString(pair[(eq + 1)..]), p) is string bad)
                return bad;
        }
        return null;
    }

    /// <summary>key=value pairs separated by spaces; a value may be single-quoted (libpq's conninfo).</summary>
    private static string? ParseKeywords(string text, Dictionary<string, string> p)
    {
        int i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length) return null;
            int eq = text.IndexOf('=', i);
            if (eq < 0) return $"'{text[i..]}' is not key=value";
            string key = text[i..eq].Trim();
            i = eq + 1;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var value = new System.Text.StringBuilder();
            bool quoted = i < text.Length && text[i] == '\'';
            if (quoted) i++;
            for (; i < text.Length && (quoted ? text[i] != '\'' : !char.IsWhiteSpace(text[i])); i++)
                value.Append(text[i] == '\\' && i + 1 < text.Length ? text[++i] : text[i]);
            if (quoted && i++ >= text.Length) return $"unterminated quote in the value of '{key}'";
            if (Accept(key, value.ToString(), p) is string bad) return bad;
        }
    }

    private static string? Accept(string key, string value, Dictionary<string, string> p)
    {
        if (key == "hostaddr") key = "host";
        if (!Variables.ContainsKey(key))
            return $"libpq parameter '{key}' is not supported here (supported: hostaddr, {string.Join(", ", Variables.Keys)})";
        p[key] = value;
        return null;
    }
}
