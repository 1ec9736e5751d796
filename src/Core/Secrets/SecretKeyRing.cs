using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Narwhal.Core.Configuration;

namespace Narwhal.Core.Secrets;

/// <summary>
/// The AES-256 keys secrets are encrypted under, from <c>NARWHAL_SECRETS_KEYS</c>
/// (<c>k1:&lt;base64 of 32 bytes&gt;,k0:&lt;base64&gt;</c>). The first key is the active one (new values are
/// encrypted under it); every key can decrypt, so rotating is: put a new key first, re-encrypt at
/// leisure, then drop the old key once no stored value names it.
/// </summary>
/// <remarks>
/// Error messages name the setting, the entry's position and the key id, never key material:
/// a value pasted the wrong way round must not end up in a start-up log.
/// <see cref="ToString"/> prints only the key ids.
/// </remarks>
public sealed partial record SecretKeyRing
{
    public const string SettingName = "NARWHAL_SECRETS_KEYS";
    public const int KeySizeBytes = 32;

    private const string Expected = "expected 'id:<base64 of 32 bytes>' entries separated by commas, e.g. k1:$(openssl rand -base64 32)";

    private readonly IReadOnlyList<(string Id, byte[] Key)> keys;

    private SecretKeyRing(IReadOnlyList<(string Id, byte[] Key)> keys) => this.keys = keys;

    /// <summary>The key new values are encrypted under: the first in the setting.</summary>
    public string ActiveKeyId => keys[0].Id;

    /// <summary>Every key id, active first.</summary>
    public IReadOnlyList<string> KeyIds => [.. keys.Select(key => key.Id)];

    internal byte[] ActiveKey => keys[0].Key;

    internal bool TryGetKey(string keyId, [NotNullWhen(true)] out byte[]? key)
    {
        foreach (var (id, candidate) in keys)
        {
            if (string.Equals(id, keyId, StringComparison.Ordinal))
            {
                key = candidate;
                return true;
            }
        }
        key = null;
        return false;
    }

    /// <summary>Reads the required <c>NARWHAL_SECRETS_KEYS</c> setting.</summary>
    /// <exception cref="InvalidOperationException">The setting is missing or malformed.</exception>
    public static SecretKeyRing FromConfiguration(IConfiguration config)
    {
        var raw = config.GetOptionalString(SettingName)
            ?? throw new InvalidOperationException(
                $"Setting {SettingName} is required but not set: it holds the keys job secrets are encrypted under. " +
                $"Generate one with: {SettingName}=k1:$(openssl rand -base64 32)");
        return Parse(raw);
    }

    /// <summary>Parses <c>id:&lt;base64&gt;[,id:&lt;base64&gt;...]</c>; the first entry is the active key.</summary>
    /// <exception cref="InvalidOperationException">Naming the setting and the faulty entry: empty, bad format,
    /// bad key id, invalid base64, a key that is not 32 bytes, or a duplicate key id.</exception>
    public static SecretKeyRing Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw Invalid($"is empty; {Expected}.");

        var entries = value.Split(',');
        var keys = new List<(string Id, byte[] Key)>(entries.Length);
        for (var index = 0; index < entries.Length; index++)
        {
            var entry = entries[index].Trim();
            var position = index + 1;
            if (entry.Length == 0)
                throw Invalid($"has an empty entry at position {position}; {Expected}.");

            var colon = entry.IndexOf(':');
            if (colon <= 0 || colon == entry.Length - 1)
                throw Invalid($"entry {position} is not in the form id:<base64 key>; {Expected}.");

            // Not echoed when invalid: a reversed or mangled entry could be key material.
            var id = entry[..colon].Trim();
            if (!ValidKeyId().IsMatch(id))
                throw Invalid($"entry {position} has an invalid key id; a key id is 1-32 letters, digits, '-' or '_'.");

            var key = new byte[KeySizeBytes];
            var encoded = entry[(colon + 1)..].Trim();
            if (!Convert.TryFromBase64String(encoded, key, out var length))
            {
                if (IsValidBase64(encoded, out var actualLength))
                    throw Invalid($"key '{id}' is {actualLength} bytes; AES-256 needs exactly {KeySizeBytes} bytes (openssl rand -base64 32).");
                throw Invalid($"key '{id}' is not valid base64 (openssl rand -base64 32 prints a valid key).");
            }
            if (length != KeySizeBytes)
                throw Invalid($"key '{id}' is {length} bytes; AES-256 needs exactly {KeySizeBytes} bytes (openssl rand -base64 32).");

            if (keys.Any(existing => string.Equals(existing.Id, id, StringComparison.Ordinal)))
                throw Invalid($"names key id '{id}' more than once; key ids must be unique.");
            keys.Add((id, key));
        }
        return new SecretKeyRing(keys);
    }

    public bool Equals(SecretKeyRing? other) =>
        other is not null
        && other.keys.Count == keys.Count
        && keys.Zip(other.keys).All(pair =>
            string.Equals(pair.First.Id, pair.Second.Id, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(pair.First.Key, pair.Second.Key));

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ActiveKeyId);

    public override string ToString() => $"SecretKeyRing {{ ActiveKeyId = {ActiveKeyId}, KeyIds = [{string.Join(", ", KeyIds)}] }}";

    private static InvalidOperationException Invalid(string problem) => new($"Setting {SettingName} {problem}");

    private static bool IsValidBase64(string encoded, out int length)
    {
        var buffer = new byte[(encoded.Length / 4 + 1) * 3];
        var valid = Convert.TryFromBase64String(encoded, buffer, out length);
        CryptographicOperations.ZeroMemory(buffer);
        return valid;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex ValidKeyId();
}
