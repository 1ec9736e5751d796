using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Narwhal.Cli.Apply;

/// <summary>
/// Reads apply input: one file, or every <c>*.yaml</c>/<c>*.yml</c> under a directory (sorted). Each
/// YAML document is <c>jobs: [ … ]</c>. Secret values are resolved here from <c>fromEnv</c> or
/// <c>fromFile</c> (relative to the YAML file), so a missing one stops everything before any API call.
/// </summary>
public sealed partial class ApplyFileReader(IReadOnlyDictionary<string, string?> env)
{
    private static readonly HashSet<string> JobOnlyKeys = ["name", "secrets", "gitCredentials"];
    private readonly List<string> _errors = [];

    public IReadOnlyList<DesiredJob> Read(IEnumerable<string> paths, out IReadOnlyList<string> files)
    {
        var found = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var inDir = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal).ToList();
                if (inDir.Count == 0) _errors.Add($"{path}: no *.yaml or *.yml files in this directory");
                found.AddRange(inDir);
            }
            else if (File.Exists(path) || path == "-") found.Add(path);
            else _errors.Add($"{path}: no such file or directory");
        }
        files = found;

        var jobs = new List<DesiredJob>();
        foreach (var file in found) jobs.AddRange(ReadFile(file));
        foreach (var duplicate in jobs.GroupBy(j => j.Name).Where(g => g.Count() > 1))
            _errors.Add($"{duplicate.ElementAt(1).Mark}: job '{duplicate.Key}' is declared more than once (first at {duplicate.First().Mark})");
        if (_errors.Count > 0) throw new ApplyInputException(string.Join('\n', _errors));
        return jobs;
    }

    private IEnumerable<DesiredJob> ReadFile(string file)
    {
        var display = file == "-" ? "<stdin>" : file;
        var stream = new YamlStream();
        try
        {
            using var reader = file == "-" ? Console.In : new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            _errors.Add($"{display}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.InnerException?.Message ?? e.Message}");
            yield break;
        }
        var baseDir = file == "-" ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(file))!;
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root)
            {
                _errors.Add($"{Mark(display, document.RootNode)}: expected a mapping with 'jobs:'");
                continue;
            }
            foreach (var (key, value) in root.Children)
            {
                if (Scalar(key) != "jobs")
                {
                    _errors.Add($"{Mark(display, key)}: unknown key '{Scalar(key)}' (a document holds 'jobs:')");
                    continue;
                }
                if (value is not YamlSequenceNode list)
                {
                    _errors.Add($"{Mark(display, value)}: 'jobs' must be a list");
                    continue;
                }
                foreach (var item in list)
                    if (ReadJob(display, baseDir, item) is { } job) yield return job;
            }
        }
    }

    private DesiredJob? ReadJob(string file, string baseDir, YamlNode node)
    {
        var mark = Mark(file, node);
        if (node is not YamlMappingNode map)
        {
            _errors.Add($"{mark}: a job must be a mapping (name: …, type: …)");
            return null;
        }
        var name = map.Children.FirstOrDefault(p => Scalar(p.Key) == "name").Value;
        if (name is not YamlScalarNode { Value: { Length: > 0 } jobName })
        {
            _errors.Add($"{mark}: a job needs 'name:'");
            return null;
        }
        var errorsBefore = _errors.Count;
        var body = new JsonObject();
        var marks = new Dictionary<string, SourceMark>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, SecretValue>(StringComparer.Ordinal);
        DesiredGitCredentials? credentials = null;
        foreach (var (keyNode, value) in map.Children)
        {
            var key = Scalar(keyNode) ?? "";
            marks[key] = Mark(file, keyNode);
            switch (key)
            {
                case "name":
                    break;
                case "secrets":
                    ReadSecrets(file, baseDir, jobName, value, secrets);
                    break;
                case "gitCredentials":
                    credentials = ReadGitCredentials(file, baseDir, jobName, value);
                    break;
                default:
                    body[key] = ToJson(file, value, key, marks);
                    break;
            }
        }
        return _errors.Count > errorsBefore ? null : new DesiredJob(jobName, body, secrets, credentials, Mark(file, name), marks);
    }

    private void ReadSecrets(string file, string baseDir, string job, YamlNode node, Dictionary<string, SecretValue> secrets)
    {
        if (node is not YamlMappingNode map)
        {
            _errors.Add($"{Mark(file, node)}: 'secrets' must map each secret name to {{ fromEnv: VAR }} or {{ fromFile: PATH }}");
            return;
        }
        foreach (var (keyNode, value) in map.Children)
        {
            var key = Scalar(keyNode) ?? "";
            if (ReadReference(file, baseDir, $"secret {key} of job {job}", value) is { } secret) secrets[key] = secret;
        }
    }

    private DesiredGitCredentials? ReadGitCredentials(string file, string baseDir, string job, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            _errors.Add($"{Mark(file, node)}: 'gitCredentials' must be a mapping: token or sshPrivateKey (each {{ fromEnv | fromFile }}), optional username");
            return null;
        }
        string? username = null;
        SecretValue? token = null, key = null;
        foreach (var (keyNode, value) in map.Children)
        {
            switch (Scalar(keyNode))
            {
                case "username":
                    username = (value as YamlScalarNode)?.Value;
                    if (username is null) _errors.Add($"{Mark(file, value)}: 'username' must be a string");
                    break;
                case "token":
                    token = ReadReference(file, baseDir, $"git token of job {job}", value);
                    break;
                case "sshPrivateKey":
                    key = ReadReference(file, baseDir, $"git SSH key of job {job}", value);
                    break;
                default:
                    _errors.Add($"{Mark(file, keyNode)}: unknown key '{Scalar(keyNode)}' in gitCredentials (username, token, sshPrivateKey)");
                    break;
            }
        }
        var declared = map.Children.Keys.Select(Scalar).Where(k => k is "token" or "sshPrivateKey").ToList();
        if (declared.Count == 0) _errors.Add($"{Mark(file, node)}: gitCredentials needs token or sshPrivateKey");
        else if (declared.Count > 1) _errors.Add($"{Mark(file, node)}: gitCredentials takes token or sshPrivateKey, not both");
        return token is null && key is null ? null : new DesiredGitCredentials(username, token, key, Mark(file, node));
    }

    /// <summary><c>{ fromEnv: VAR }</c> or <c>{ fromFile: PATH }</c>; a literal value is refused.</summary>
    private SecretValue? ReadReference(string file, string baseDir, string what, YamlNode node)
    {
        var mark = Mark(file, node);
        if (node is YamlScalarNode)
        {
            _errors.Add($"{mark}: {what}: a secret's value never sits in the file; write {{ fromEnv: VAR }} or {{ fromFile: PATH }}");
            return null;
        }
        var pair = node is YamlMappingNode { Children.Count: 1 } map ? map.Children.First() : default;
        var kindNode = pair.Key;
        if (kindNode is null || Scalar(kindNode) is not ("fromEnv" or "fromFile") || pair.Value is not YamlScalarNode { Value: { Length: > 0 } source })
        {
            _errors.Add($"{mark}: {what}: expected {{ fromEnv: VAR }} or {{ fromFile: PATH }}");
            return null;
        }
        if (Scalar(kindNode) == "fromEnv")
        {
            var value = env.GetValueOrDefault(source);
            if (string.IsNullOrEmpty(value))
            {
                _errors.Add($"{mark}: {what}: environment variable {source} is not set");
                return null;
            }
            return new SecretValue(value, $"env {source}", mark);
        }
        var path = Path.IsPathRooted(source) ? source : Path.Combine(baseDir, source);
        try
        {
            // One trailing newline is what `echo value > file` adds, not part of the secret.
            var text = Commands.SecretsCommands.WithoutFinalNewline(File.ReadAllText(path));
            if (text.Length == 0)
            {
                _errors.Add($"{mark}: {what}: file {source} is empty");
                return null;
            }
            return new SecretValue(text, $"file {source}", mark);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _errors.Add($"{mark}: {what}: cannot read {source}: {e.Message}");
            return null;
        }
    }

    /// <summary>YAML to JSON with the core schema for plain scalars (true, 12, 1.5, null); quoted scalars stay strings.</summary>
    private JsonNode? ToJson(string file, YamlNode node, string path, Dictionary<string, SourceMark> marks)
    {
        marks.TryAdd(path, Mark(file, node));
        switch (node)
        {
            case YamlScalarNode scalar:
                return Scalar(scalar) is not { } text ? null
                    : scalar.Style is not ScalarStyle.Plain ? JsonValue.Create(text)
                    : text is "null" or "~" or "" ? null
                    : text is "true" or "false" ? JsonValue.Create(text == "true")
                    : IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? JsonValue.Create(l)
                    : FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d)
                    : JsonValue.Create(text);
            case YamlSequenceNode sequence:
            {
                var array = new JsonArray();
                var i = 0;
                foreach (var item in sequence) array.Add(ToJson(file, item, $"{path}[{i++}]", marks));
                return array;
            }
            case YamlMappingNode mapping:
            {
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = Scalar(key) ?? "";
                    marks[$"{path}.{name}"] = Mark(file, key);
                    obj[name] = ToJson(file, value, $"{path}.{name}", marks);
                }
                return obj;
            }
            default:
                _errors.Add($"{Mark(file, node)}: unsupported YAML node");
                return null;
        }
    }

    private static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;

    private static SourceMark Mark(string file, YamlNode node) => new(file, node.Start.Line, node.Start.Column);

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
