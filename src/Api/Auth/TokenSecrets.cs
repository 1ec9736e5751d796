using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Narwhal.Api.Auth;

/// <summary>Token secrets: 256 random bits with a recognisable prefix; stored only as their SHA-256.</summary>
public static class TokenSecrets
{
    /// <summary>Makes leaked tokens easy to spot in logs and by secret scanners.</summary>
    public const string Prefix = "nwl_";

    public static string Generate() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
