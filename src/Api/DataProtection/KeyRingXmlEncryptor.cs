using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Narwhal.Core.Secrets;

namespace Narwhal.Api.DataProtection;

/// <summary>
/// Encrypts each Data Protection key at rest with the job secrets' key ring (<see cref="SecretCipher"/>,
/// AES-256-GCM under the active key of NARWHAL_SECRETS_KEYS), so the rows of <c>data_protection_keys</c> are useless
/// without that setting. Rotating NARWHAL_SECRETS_KEYS keeps working as for secrets: old keys stay in the setting
/// until nothing uses them.
/// </summary>
public sealed class KeyRingXmlEncryptor(SecretCipher cipher) : IXmlEncryptor
{
    internal const string ElementName = "narwhalEncryptedKey";
    internal const string AssociatedData = "data-protection:key";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var secret = cipher.Encrypt(plaintextElement.ToString(SaveOptions.DisableFormatting), AssociatedData);
        var element = new XElement(ElementName,
            new XAttribute("keyId", secret.KeyId),
            new XAttribute("nonce", Convert.ToBase64String(secret.Nonce)),
            new XAttribute("tag", Convert.ToBase64String(secret.Tag)),
            Convert.ToBase64String(secret.Ciphertext));
        return new EncryptedXmlInfo(element, typeof(KeyRingXmlDecryptor));
    }
}

/// <summary>
/// Reads what <see cref="KeyRingXmlEncryptor"/> wrote. Data Protection creates it by type name with its services
/// (so its constructor takes what it needs from them).
/// </summary>
public sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        if (encryptedElement.Name != KeyRingXmlEncryptor.ElementName)
            throw new InvalidOperationException($"Expected a <{KeyRingXmlEncryptor.ElementName}> element, found <{encryptedElement.Name}>.");
        var cipher = (SecretCipher?)services.GetService(typeof(SecretCipher))
            ?? throw new InvalidOperationException("SecretCipher is not registered: the Data Protection keys cannot be decrypted.");
        var secret = new EncryptedSecret(
            (string?)encryptedElement.Attribute("keyId") ?? "",
            Convert.FromBase64String((string?)encryptedElement.Attribute("nonce") ?? ""),
            Convert.FromBase64String(encryptedElement.Value),
            Convert.FromBase64String((string?)encryptedElement.Attribute("tag") ?? ""));
        return XElement.Parse(cipher.Decrypt(secret, KeyRingXmlEncryptor.AssociatedData));
    }
}
