using System.Security.Cryptography;
using System.Text;

namespace Narwhal.Core.Secrets;

/// <summary>
/// Encrypts job secrets at rest with AES-256-GCM under the key ring's active key: a fresh random
/// 12-byte nonce per value, a 16-byte tag, and associated data that binds the ciphertext to its
/// place (e.g. <c>job:&lt;jobId&gt;:secret:&lt;NAME&gt;</c>). Decryption either returns exactly what was
/// encrypted or throws <see cref="SecretDecryptionException"/>; it never returns unauthenticated bytes.
/// </summary>
/// <remarks>
/// The authenticated data is <c>narwhal-secret-v1 \n keyId \n associatedData</c> (UTF-8), so the key id
/// and a format version are covered by the tag too. Key ids cannot contain a newline, so the
/// encoding is unambiguous. Thread-safe: each call uses its own <see cref="AesGcm"/> instance.
/// </remarks>
public sealed class SecretCipher(SecretKeyRing keys)
{
    public const int NonceSizeBytes = 12;
    public const int TagSizeBytes = 16;

    private const string FormatVersion = "narwhal-secret-v1";

    // Throws on lone surrogates instead of silently replacing them: what decrypts must be what was given.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SecretKeyRing keys = keys ?? throw new ArgumentNullException(nameof(keys));

    /// <summary>Encrypts <paramref name="plaintext"/> (any length, including empty: the minimum length is the API's rule).</summary>
    /// <param name="plaintext">The secret value.</param>
    /// <param name="associatedData">Where the value lives; required, and needed again to decrypt.</param>
    /// <exception cref="ArgumentException">The plaintext or associated data is not valid UTF-16 (a lone surrogate), or the associated data is empty.</exception>
    public EncryptedSecret Encrypt(string plaintext, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var keyId = keys.ActiveKeyId;
        var aad = AuthenticatedData(keyId, associatedData);
        var plain = Utf8(plaintext, nameof(plaintext));
        try
        {
            var nonce = RandomNumberGenerator.GetBytes(NonceSizeBytes);
            var ciphertext = new byte[plain.Length];
            var tag = new byte[TagSizeBytes];
            using var aes = new AesGcm(keys.ActiveKey, TagSizeBytes);
            aes.Encrypt(nonce, plain, ciphertext, tag, aad);
            return new EncryptedSecret(keyId, nonce, ciphertext, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Decrypts a value encrypted for the same <paramref name="associatedData"/> under any key in the ring.</summary>
    /// <exception cref="SecretDecryptionException">Unknown key id, malformed value, or authentication failure
    /// (tampered ciphertext, nonce, tag or key id, or different associated data).</exception>
    public string Decrypt(EncryptedSecret secret, string associatedData)
    {
        var plain = DecryptBytes(secret, associatedData);
        try
        {
            return StrictUtf8.GetString(plain);
        }
        catch (DecoderFallbackException error)
        {
            // Unreachable for values this class encrypted: the tag verified and Encrypt only takes valid UTF-8.
            throw new SecretDecryptionException(SecretDecryptionFailure.Malformed, secret.KeyId,
                $"Secret for '{associatedData}' decrypted to bytes that are not UTF-8.", error);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> equals the encrypted value (so setting the same value again can
    /// answer "unchanged"): decrypts, then compares the UTF-8 bytes with
    /// <see cref="CryptographicOperations.FixedTimeEquals"/>. The comparison time depends only on the lengths.
    /// </summary>
    /// <exception cref="SecretDecryptionException">The stored value cannot be decrypted: a broken value is reported, not treated as "different".</exception>
    public bool Matches(EncryptedSecret secret, string associatedData, string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var plain = DecryptBytes(secret, associatedData);
        byte[]? candidateBytes = null;
        try
        {
            try
            {
                candidateBytes = StrictUtf8.GetBytes(candidate);
            }
            catch (EncoderFallbackException)
            {
                return false; // Not valid UTF-16, so it cannot be a value Encrypt accepted.
            }
            return CryptographicOperations.FixedTimeEquals(plain, candidateBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            if (candidateBytes is not null) CryptographicOperations.ZeroMemory(candidateBytes);
        }
    }

    private byte[] DecryptBytes(EncryptedSecret secret, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentException.ThrowIfNullOrEmpty(associatedData);

        if (secret.KeyId is null || !keys.TryGetKey(secret.KeyId, out var key))
            throw new SecretDecryptionException(SecretDecryptionFailure.UnknownKeyId, secret.KeyId,
                $"Secret for '{associatedData}' is encrypted under key id '{secret.KeyId}', which {SecretKeyRing.SettingName} " +
                $"does not hold (it holds {string.Join(", ", keys.KeyIds)}). Keep old keys in the setting until no value uses them.");

        if (secret.Nonce is not { Length: NonceSizeBytes } || secret.Tag is not { Length: TagSizeBytes } || secret.Ciphertext is null)
            throw new SecretDecryptionException(SecretDecryptionFailure.Malformed, secret.KeyId,
                $"Secret for '{associatedData}' is malformed: expected a {NonceSizeBytes}-byte nonce, a {TagSizeBytes}-byte tag and a ciphertext.");

        var aad = AuthenticatedData(secret.KeyId, associatedData);
        var plain = new byte[secret.Ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, TagSizeBytes);
            aes.Decrypt(secret.Nonce, secret.Ciphertext, secret.Tag, plain, aad);
            return plain;
        }
        catch (CryptographicException error)
        {
            CryptographicOperations.ZeroMemory(plain);
            throw new SecretDecryptionException(SecretDecryptionFailure.AuthenticationFailed, secret.KeyId,
                $"Secret for '{associatedData}' failed authentication under key '{secret.KeyId}': it was altered, " +
                "belongs to another place, or that key id now names a different key.", error);
        }
    }

    private static byte[] AuthenticatedData(string keyId, string associatedData)
    {
        ArgumentException.ThrowIfNullOrEmpty(associatedData);
        return Utf8($"{FormatVersion}\n{keyId}\n{associatedData}", nameof(associatedData));
    }

    private static byte[] Utf8(string value, string parameterName)
    {
        try
        {
            return StrictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException error)
        {
            throw new ArgumentException("The value is not valid UTF-16 text (it contains a lone surrogate).", parameterName, error);
        }
    }
}
