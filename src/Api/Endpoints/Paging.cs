using System.Buffers.Text;
using System.Text;
using Narwhal.Api.Validation;

namespace Narwhal.Api.Endpoints;

public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static bool TryLimit(int? requested, ValidationErrors errors, out int limit)
    {
        limit = requested ?? DefaultLimit;
        if (limit is >= 1 and <= MaxLimit) return true;
        errors.Add("limit", $"Must be between 1 and {MaxLimit}.");
        return false;
    }

    /// <summary>Cursor for lists ordered by a unique name (jobs).</summary>
    public static string EncodeName(string name) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(name));

    public static bool TryDecodeName(string? cursor, out string? name)
    {
        name = null;
        if (cursor is null) return true;
        try
        {
            name = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return Names.JobName().IsMatch(name);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
