using System.Security.Cryptography;
using System.Text;

namespace Narwhal.Api.Github.Webhooks;

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
        var claimed = ParseHeader(header, out var check);
        if (claimed is null) return check;
        using var verifier = StartVerifying();
        verifier.Append(body);
        return verifier.Matches(claimed) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    /// <summary>
    /// The digest the header claims, or null with <paramref name="check"/> saying why (missing, malformed) — known
    /// before a byte of the body is read, so such a request costs no body at all.
    /// </summary>
    public static byte[]? ParseHeader(string? header, out SignatureCheck check)
    {
        if (string.IsNullOrEmpty(header)) check = SignatureCheck.Missing;
        else if (!TryParse(header, out var digest)) check = SignatureCheck.Malformed;
        else
        {
            check = SignatureCheck.Valid;
            return digest;
        }
        return null;
    }

    /// <summary>An HMAC per configured secret, fed as the body streams in, so no body is held only to be hashed.</summary>
    public Verifier StartVerifying() => new(_keys);

    public sealed class Verifier : IDisposable
    {
        private readonly IncrementalHash[] _hmacs;

        internal Verifier(byte[][] keys) => _hmacs = keys.Select(k => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, k)).ToArray();

        public void Append(ReadOnlySpan<byte> data)
        {
            foreach (var hmac in _hmacs) hmac.AppendData(data);
        }

        /// <summary>True when any secret's HMAC equals <paramref name="claimed"/>.</summary>
        public bool Matches(byte[] claimed)
        {
            var valid = false;
            // Every key is tried (no early exit), so the time taken does not say which one matched.
            foreach (var hmac in _hmacs)
                valid |= CryptographicOperations.FixedTimeEquals(hmac.GetHashAndReset(), claimed);
            return valid;
        }

        public void Dispose()
        {
            foreach (var hmac in _hmacs) hmac.Dispose();
        }
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
