using System.Security.Cryptography;
using Narwhal.Core.Secrets;

namespace Narwhal.Core.Tests.Secrets;

/// <summary>Builders for key-ring settings: fresh random keys, as <c>openssl rand -base64 32</c> prints them.</summary>
internal static class TestKeys
{
    public static string NewKey(int bytes = SecretKeyRing.KeySizeBytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    public static string Entry(string id, string? key = null) => $"{id}:{key ?? NewKey()}";

    public static SecretKeyRing Ring(params string[] entries) => SecretKeyRing.Parse(string.Join(",", entries));

    public static SecretCipher Cipher(params string[] entries) => new(Ring(entries));
}
