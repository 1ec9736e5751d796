using Narwhal.Testing;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Narwhal.Core.Tests.Deploy;

/// <summary>One YAML document of a file under deploy/k8s, as nested dictionaries, lists and strings.</summary>
public sealed record K8sDocument(string File, Dictionary<object, object> Root)
{
    public string Kind => Root.Str("kind") ?? "";
    public string Name => Root.Map("metadata")?.Str("name") ?? "";
    public override string ToString() => $"{File}: {Kind}/{Name}";
}

/// <summary>Every document of every manifest in deploy/k8s (multi-document files split on ---).</summary>
public static class K8sManifests
{
    public static string Folder => RepositoryFiles.PathOf("deploy", "k8s");

    public static IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(Folder, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    public static IReadOnlyList<K8sDocument> All() => Files().SelectMany(Load).ToList();

    public static IReadOnlyList<K8sDocument> Load(string file)
    {
        var deserializer = new DeserializerBuilder().Build();
        using var reader = new StreamReader(Path.Combine(Folder, file));
        var parser = new Parser(reader);
        parser.Consume<StreamStart>();
        var documents = new List<K8sDocument>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var root = deserializer.Deserialize<Dictionary<object, object>?>(parser);
            if (root is not null) documents.Add(new K8sDocument(file, root));
        }
        return documents;
    }
}

/// <summary>Navigation in the untyped YAML tree.</summary>
public static class YamlTree
{
    public static Dictionary<object, object>? Map(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var v) ? v as Dictionary<object, object> : null;

    public static List<object> List(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var v) && v is List<object> list ? list : [];

    public static IEnumerable<Dictionary<object, object>> Maps(this Dictionary<object, object> node, string key) =>
        node.List(key).OfType<Dictionary<object, object>>();

    public static string? Str(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>A path of keys, e.g. "spec.template.spec".</summary>
    public static Dictionary<object, object>? At(this Dictionary<object, object> node, string path)
    {
        Dictionary<object, object>? current = node;
        foreach (var key in path.Split('.'))
            current = current?.Map(key);
        return current;
    }
}
