using System.Globalization;
using System.Text;

namespace Slowio.AspNetCore;

/// <summary>The little JSON this server writes, rendered byte for byte as core's nlohmann::ordered_json
/// dump(): compact, keys in insertion order. Bodies are built by hand (no System.Text.Json) because its
/// escaping differs from nlohmann's (it escapes '+', '&lt;', '&gt;', '\'' and non-ASCII by default).</summary>
public static class Json
{
    /// <summary><paramref name="value"/> as a JSON string literal, escaped as nlohmann does: <c>\"</c>,
    /// <c>\\</c>, <c>\b \f \n \r \t</c>, other control characters as <c>\u00xx</c> (lower-case hex),
    /// everything else as is.</summary>
    public static string Str(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>core's error body <c>{"error":"REASON","status":N}</c> (HttpResponse.cpp error_response).</summary>
    public static string Error(int status, string reason) =>
        $"{{\"error\":{Str(reason)},\"status\":{status.ToString(CultureInfo.InvariantCulture)}}}";
}
