using System.Collections.Concurrent;
using System.Reflection;
using YamlDotNet.Serialization.NamingConventions;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// The keys a <see cref="RawSection"/> type accepts: its properties, named in camelCase, in declaration
/// order, those of a base section (<see cref="RawExecution"/>) first.
/// </summary>
internal sealed class RawSectionKeys
{
    private static readonly ConcurrentDictionary<Type, RawSectionKeys> Cache = new();

    private readonly Dictionary<string, PropertyInfo> properties;
    private readonly string allowed;

    private RawSectionKeys(Type type)
    {
        var declared = new List<PropertyInfo>();
        // RawSection's own members (Start) are bookkeeping, not keys.
        for (var section = type; section != typeof(RawSection) && section is not null; section = section.BaseType)
        {
            declared.InsertRange(0, section.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .OrderBy(property => property.MetadataToken));
        }
        properties = declared.ToDictionary(property => CamelCaseNamingConvention.Instance.Apply(property.Name), StringComparer.Ordinal);
        allowed = string.Join(", ", properties.Keys);
    }

    public static RawSectionKeys Of(Type sectionType) => Cache.GetOrAdd(sectionType, type => new RawSectionKeys(type));

    public bool TryGetProperty(string key, out PropertyInfo property) => properties.TryGetValue(key, out property!);

    public bool Declares(string key) => properties.ContainsKey(key);

    public string UnknownKeyProblem(string key)
    {
        // Catches the usual slips (ready_timeout, ReadyTimeout, ready-timeout) without guessing further.
        var near = properties.Keys.FirstOrDefault(known => Loose(known) == Loose(key));
        var hint = near is null ? "" : $" (did you mean '{near}'?)";
        return $"unknown key '{key}'{hint}; allowed keys here: {allowed}";
    }

    private static string Loose(string key) => key.Replace("_", "").Replace("-", "").ToLowerInvariant();
}
