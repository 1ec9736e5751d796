using System.Security.Cryptography;

namespace Narwhal.Core.Secrets;

public enum SecretDecryptionFailure
{
    /// <summary>The value names a key id the key ring does not hold (a key was removed too early).</summary>
    UnknownKeyId,

    /// <summary>The nonce or tag has the wrong length, or a part is missing.</summary>
    Malformed,

    /// <summary>The tag does not verify: the value was altered, belongs to another place (associated data), or the key differs.</summary>
    AuthenticationFailed,
}

/// <summary>
/// A stored secret could not be decrypted. <see cref="SecretCipher"/> throws this instead of ever
/// returning a value it could not authenticate. The message names the key id and the associated
/// data (both are identifiers, not secret), never any key or plaintext bytes.
/// </summary>
public sealed class SecretDecryptionException(SecretDecryptionFailure reason, string? keyId, string message, Exception? inner = null)
    : CryptographicException(message, inner)
{
    public SecretDecryptionFailure Reason { get; } = reason;

    public string? KeyId { get; } = keyId;
}
