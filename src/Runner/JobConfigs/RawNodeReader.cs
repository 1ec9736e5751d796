using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// Reads one node of an expected shape (value, list, mapping, section) from the event stream, or
/// fails at the node with a message naming what it is for (<c>what</c>, e.g. <c>'image'</c>).
/// Nulls (an empty value, <c>~</c>, <c>null</c>) are refused everywhere: a key is set or left out.
/// </summary>
internal static class RawNodeReader
{
    public static RawScalar ReadScalar(IParser parser, string what)
    {
        if (!parser.TryConsume<Scalar>(out var scalar))
            throw ConfigError.At(parser.Current!.Start, $"{what} must be a single value, found {Describe(parser.Current)}");
        if (IsNull(scalar))
            throw ConfigError.At(scalar.Start, $"{what} has no value");
        return new RawScalar(scalar.Value, scalar.Start);
    }

    /// <summary>A list of values, or a single value standing for a list of one.</summary>
    public static RawList ReadList(IParser parser, string what)
    {
        if (parser.Current is Scalar)
        {
            var single = ReadScalar(parser, what);
            return new RawList([single], IsSingleValue: true, single.Start);
        }
        if (!parser.TryConsume<SequenceStart>(out var start))
            throw ConfigError.At(parser.Current!.Start, $"{what} must be a value or a list of values, found {Describe(parser.Current)}");

        var items = new List<RawScalar>();
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            if (parser.Current is Scalar item && IsNull(item))
                throw ConfigError.At(item.Start, $"{what} has an empty item");
            items.Add(ReadScalar(parser, $"each item of {what}"));
        }
        return new RawList(items, IsSingleValue: false, start.Start);
    }

    /// <summary>
    /// <c>needs</c>: a list (or a single item) whose items are a step key, standing for
    /// <c>{ step: KEY }</c>, or such a mapping.
    /// </summary>
    private static RawNeedList ReadNeeds(IParser parser, string what, Func<IParser, Type, object?> nested)
    {
        if (parser.Current is Scalar)
        {
            var single = ReadScalar(parser, what);
            return new RawNeedList([Need(single)], single.Start);
        }
        if (!parser.TryConsume<SequenceStart>(out var start))
            throw ConfigError.At(parser.Current!.Start, $"{what} must be a list of step keys, found {Describe(parser.Current)}");

        var items = new List<RawNeed>();
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            items.Add(parser.Current switch
            {
                Scalar item when IsNull(item) => throw ConfigError.At(item.Start, $"{what} has an empty item"),
                Scalar => Need(ReadScalar(parser, $"each item of {what}")),
                MappingStart => (RawNeed)nested(parser, typeof(RawNeed))!,
                _ => throw ConfigError.At(parser.Current!.Start,
                    $"each item of {what} must be a step key or a mapping such as {{ step: build, artifacts: false }}, " +
                    $"found {Describe(parser.Current)}"),
            });
        }
        return new RawNeedList(items, start.Start);

        static RawNeed Need(RawScalar key)
        {
            var need = new RawNeed { Step = key };
            need.Locate(key.Start, new Dictionary<string, Mark> { ["step"] = key.Start });
            return need;
        }
    }

    /// <summary>A list of mappings from names to values, or a single such mapping standing for a list of one.</summary>
    private static RawMapList ReadMapList(IParser parser, string what)
    {
        if (parser.Current is MappingStart)
        {
            var single = ReadMap(parser, what, ReadScalar);
            return new RawMapList([single], single.Start);
        }
        if (!parser.TryConsume<SequenceStart>(out var start))
            throw ConfigError.At(parser.Current!.Start, $"{what} must be a list of mappings such as {{ node: 18, os: alpine }}, found {Describe(parser.Current)}");
        var items = new List<RawMap<RawScalar>>();
        while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadMap(parser, $"each item of {what}", ReadScalar));
        return new RawMapList(items, start.Start);
    }

    /// <summary><c>cache</c>: one mapping, or a list of mappings.</summary>
    private static RawCacheList ReadCaches(IParser parser, string what, Func<IParser, Type, object?> nested)
    {
        const string shape = "a mapping such as { key: npm, paths: [node_modules] }, or a list of them";
        if (parser.Current is MappingStart single)
            return new RawCacheList([(RawCache)nested(parser, typeof(RawCache))!], single.Start);
        if (parser.Current is Scalar scalar && IsNull(scalar))
            throw ConfigError.At(scalar.Start, $"{what} has no value");
        if (!parser.TryConsume<SequenceStart>(out var start))
            throw ConfigError.At(parser.Current!.Start, $"{what} must be {shape}, found {Describe(parser.Current)}");
        var items = new List<RawCache>();
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            if (parser.Current is not MappingStart)
                throw ConfigError.At(parser.Current!.Start, $"each item of {what} must be a mapping of 'key' and 'paths', found {Describe(parser.Current)}");
            items.Add((RawCache)nested(parser, typeof(RawCache))!);
        }
        return new RawCacheList(items, start.Start);
    }

    /// <summary>A mapping from names to values; each value is read by <paramref name="readValue"/> (given its what).</summary>
    public static RawMap<T> ReadMap<T>(IParser parser, string what, Func<IParser, string, T> readValue)
    {
        ExpectMapping(parser, what, "a mapping of names to values");
        var start = parser.Consume<MappingStart>();
        var entries = new List<KeyValuePair<RawScalar, T>>();
        var seen = new Dictionary<string, Mark>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var name = ReadKey(parser, seen);
            entries.Add(new(name, readValue(parser, $"'{name.Value}' in {what}")));
        }
        return new RawMap<T>(entries, start.Start);
    }

    /// <summary>A section's mapping, its keys checked against <see cref="RawSectionKeys"/>; values are read by type.</summary>
    public static RawSection ReadSection(IParser parser, Type sectionType, Func<IParser, Type, object?> nested)
    {
        var keys = RawSectionKeys.Of(sectionType);
        var start = parser.Consume<MappingStart>();
        var section = (RawSection)Activator.CreateInstance(sectionType)!;
        var seen = new Dictionary<string, Mark>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var name = ReadKey(parser, seen);
            if (!keys.TryGetProperty(name.Value, out var property))
                throw ConfigError.At(name.Start, section.MisplacedKeyProblem(name.Value) ?? keys.UnknownKeyProblem(name.Value));
            property.SetValue(section, ReadValue(parser, property.PropertyType, $"'{name.Value}'", nested));
        }
        section.Locate(start.Start, seen);
        return section;
    }

    private static object ReadValue(IParser parser, Type type, string what, Func<IParser, Type, object?> nested)
    {
        if (type == typeof(RawScalar)) return ReadScalar(parser, what);
        if (type == typeof(RawList)) return ReadList(parser, what);
        if (type == typeof(RawMap<RawScalar>)) return ReadMap(parser, what, ReadScalar);
        if (type == typeof(RawMap<RawList>)) return ReadMap(parser, what, ReadList);
        if (type == typeof(RawMapList)) return ReadMapList(parser, what);
        if (type == typeof(RawMap<RawService>))
            return ReadMap(parser, what, (p, serviceWhat) => (RawService)ReadSectionValue(p, typeof(RawService), serviceWhat, nested));
        if (type == typeof(RawMap<RawStep>))
            return ReadMap(parser, what, (p, stepWhat) => (RawStep)ReadSectionValue(p, typeof(RawStep), stepWhat, nested));
        if (type == typeof(RawMap<RawBlockField>))
            return ReadMap(parser, what, (p, fieldWhat) => (RawBlockField)ReadSectionValue(p, typeof(RawBlockField), fieldWhat, nested));
        if (type == typeof(RawNeedList)) return ReadNeeds(parser, what, nested);
        if (type == typeof(RawWhen) && parser.Current is Scalar) return StatusOnly(ReadScalar(parser, what));
        if (type == typeof(RawCacheList)) return ReadCaches(parser, what, nested);
        if (type.IsAssignableTo(typeof(RawSection))) return ReadSectionValue(parser, type, what, nested);
        throw new NotSupportedException($"No reader for raw node type {type}.");
    }

    /// <summary><c>when: always</c> stands for <c>when: { status: always }</c>.</summary>
    private static RawWhen StatusOnly(RawScalar status)
    {
        var when = new RawWhen { Status = status };
        when.Locate(status.Start, new Dictionary<string, Mark> { ["status"] = status.Start });
        return when;
    }

    /// <summary>Checks the shape here, where the key is known, then lets YamlDotNet dispatch to <see cref="RawSectionDeserializer"/>.</summary>
    private static RawSection ReadSectionValue(IParser parser, Type type, string what, Func<IParser, Type, object?> nested)
    {
        ExpectMapping(parser, what, "a mapping");
        return (RawSection)nested(parser, type)!;
    }

    private static void ExpectMapping(IParser parser, string what, string expected)
    {
        if (parser.Current is MappingStart) return;
        if (parser.Current is Scalar scalar && IsNull(scalar))
            throw ConfigError.At(scalar.Start, $"{what} has no value");
        throw ConfigError.At(parser.Current!.Start, $"{what} must be {expected}, found {Describe(parser.Current)}");
    }

    private static RawScalar ReadKey(IParser parser, Dictionary<string, Mark> seen)
    {
        if (!parser.TryConsume<Scalar>(out var key))
            throw ConfigError.At(parser.Current!.Start, $"keys must be names, found {Describe(parser.Current)}");
        if (seen.TryGetValue(key.Value, out var first))
            throw ConfigError.At(key.Start, $"duplicate key '{key.Value}' (first at line {first.Line})");
        seen.Add(key.Value, key.Start);
        return new RawScalar(key.Value, key.Start);
    }

    /// <summary>YAML's null: an empty plain value, <c>~</c> or <c>null</c>. A quoted <c>""</c> is an empty string.</summary>
    public static bool IsNull(Scalar scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    public static string Describe(ParsingEvent? node) => node switch
    {
        MappingStart => "a mapping",
        SequenceStart => "a list",
        Scalar scalar when IsNull(scalar) => "nothing",
        Scalar scalar => $"'{scalar.Value}'",
        _ => "the end of the document",
    };
}
