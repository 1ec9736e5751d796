namespace Narwhal.Core.Secrets;

/// <summary>
/// A secret value as stored at rest: AES-256-GCM ciphertext with its 12-byte nonce and 16-byte tag,
/// and the id of the key (see <see cref="SecretKeyRing"/>) it was encrypted under.
/// The associated data (the value's place, e.g. <c>job:42:secret:TOKEN</c>) is not stored here:
/// the caller supplies it again to decrypt, so a ciphertext copied to another row fails.
/// </summary>
/// <remarks>Equality of the byte arrays is by reference, as for any record holding arrays.</remarks>
public sealed record EncryptedSecret(string KeyId, byte[] Nonce, byte[] Ciphertext, byte[] Tag);
