using System.Security.Cryptography;
using System.Text;

namespace Narwhal.Core.Github.Webhooks;

/// <summary>What checking <c>X-Hub-Signature-256</c> found.</summary>
public enum SignatureCheck
{
    Valid,
    /// <summary>No header (or an empty one).</summary>
    Missing,
    /// <summary>Not <c>sha256=</c> followed by 64 hex digits.</summary>
    Malformed,
    /// <summary>Well-formed, but no configured secret gives it.</summary>
    Mismatch,
}

/// <summary>
/// GitHub signs each delivery with <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body, keyed with the
/// webhook secret&gt;</c>. Several secrets may be configured (rotation): any of them may have signed it. The
/// comparison takes the same time wherever the first differing byte is (<see cref="CryptographicOperations.FixedTimeEquals"/>).
/// </summary>
public sealed class WebhookSignature
{
    public const string Header = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";
    private readonly byte[][] _keys;

    public WebhookSignature(IEnumerable<string> secrets)
    {
        _keys = secrets.Select(Encoding.UTF8.GetBytes).ToArray();
        if (_keys.Length == 0) throw new ArgumentException("At least one webhook secret is needed.", nameof(secrets));
    }

    /// <summary>The header value GitHub would send for <paramref name="body"/> signed with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public SignatureCheck Check(string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(header)) return SignatureCheck.Missing;
        if (!TryParse(header, out var claimed)) return SignatureCheck.Malformed;

        var valid = false;
        // Every key is tried (no early exit), so the time taken does not say which one matched.
        foreach (var key in _keys)
            valid |= CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, body), claimed);
        return valid ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    private static bool TryParse(string header, out byte[] digest)
    {
        digest = [];
        var value = header.Trim();
        if (!value.StartsWith(Prefix, StringComparison.Ordinal) || value.Length != Prefix.Length + 64) return false;
        try
        {
            digest = Convert.FromHexString(value.AsSpan(Prefix.Length));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
