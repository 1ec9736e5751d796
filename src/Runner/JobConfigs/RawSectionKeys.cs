using System.Collections.Concurrent;
using System.Reflection;
using YamlDotNet.Serialization.NamingConventions;

namespace Narwhal.Runner.JobConfigs;

/// <summary>The keys a <see cref="RawSection"/> type accepts: its properties, named in camelCase, in declaration order.</summary>
internal sealed class RawSectionKeys
{
    private static readonly ConcurrentDictionary<Type, RawSectionKeys> Cache = new();

    private readonly Dictionary<string, PropertyInfo> properties;
    private readonly string allowed;

    private RawSectionKeys(Type type)
    {
        var declared = type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .OrderBy(property => property.MetadataToken)
            .ToList();
        properties = declared.ToDictionary(property => CamelCaseNamingConvention.Instance.Apply(property.Name), StringComparer.Ordinal);
        allowed = string.Join(", ", properties.Keys);
    }

    public static RawSectionKeys Of(Type sectionType) => Cache.GetOrAdd(sectionType, type => new RawSectionKeys(type));

    public bool TryGetProperty(string key, out PropertyInfo property) => properties.TryGetValue(key, out property!);

    public string UnknownKeyProblem(string key)
    {
        // Catches the usual slips (ready_timeout, ReadyTimeout, ready-timeout) without guessing further.
        var near = properties.Keys.FirstOrDefault(known => Loose(known) == Loose(key));
        var hint = near is null ? "" : $" (did you mean '{near}'?)";
        return $"unknown key '{key}'{hint}; allowed keys here: {allowed}";
    }

    private static string Loose(string key) => key.Replace("_", "").Replace("-", "").ToLowerInvariant();
}
