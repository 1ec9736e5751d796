using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// Reads a job config file (<c>.narwhal.yml</c>): YAML deserialized by YamlDotNet into the raw
/// records (strict keys and shapes, every node's position kept), then checked and typed by
/// <see cref="JobConfigMapper"/> (a file with <c>steps</c>: <see cref="PipelineConfigMapper"/>). Any problem, syntax included, is one <see cref="JobConfigException"/>
/// pointing at the offending node.
/// </summary>
public static class JobConfigParser
{
    /// <summary>Files are written by people; anything larger is a mistake or an attack.</summary>
    public const int MaxFileBytes = 256 * 1024;

    private static readonly Mark FileStart = new(0, 1, 1);

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNodeDeserializer(new RawSectionDeserializer(), where => where.OnTop())
        .Build();

    /// <summary>
    /// Parses a file without <c>steps</c> (one run); <paramref name="fileName"/> prefixes error messages
    /// (e.g. ".narwhal.yml"). A pipeline is refused here: read files that may have steps with <see cref="ParseFile"/>.
    /// </summary>
    /// <exception cref="JobConfigException">The file is not valid YAML, breaks a rule of docs/job-config.md, or has steps.</exception>
    public static JobConfig Parse(string yaml, string fileName) =>
        Read(yaml, fileName, raw => raw.Steps is null
            ? JobConfigMapper.ToJobConfig(raw)
            : throw ConfigError.At(raw.KeyStart("steps"), "'steps' makes this file a pipeline, and only a single run is read here"));

    /// <summary>Parses the file's text into one run or a pipeline; <paramref name="fileName"/> prefixes error messages.</summary>
    /// <exception cref="JobConfigException">The file is not valid YAML or breaks a rule of docs/job-config.md.</exception>
    public static ConfigFile ParseFile(string yaml, string fileName) =>
        Read(yaml, fileName, raw => raw.Steps is null
            ? new ConfigFile { Single = JobConfigMapper.ToJobConfig(raw) }
            : new ConfigFile { Pipeline = PipelineConfigMapper.ToPipelineConfig(raw) });

    private static T Read<T>(string yaml, string fileName, Func<RawJobConfig, T> map)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        try
        {
            return map(ReadRaw(yaml));
        }
        // Every problem with the file is a YamlException without inner exception (see ConfigError);
        // one wrapping another exception is YamlDotNet reporting a bug of ours: let it through.
        catch (YamlException problem) when (problem.InnerException is null)
        {
            throw new JobConfigException(fileName, checked((int)problem.Start.Line), checked((int)problem.Start.Column), problem.Message);
        }
    }

    private static RawJobConfig ReadRaw(string yaml)
    {
        if (yaml.Length > MaxFileBytes || Encoding.UTF8.GetByteCount(yaml) > MaxFileBytes)
            throw ConfigError.At(FileStart, $"the file is larger than {MaxFileBytes / 1024} KiB");
        var text = yaml.StartsWith('\uFEFF') ? yaml[1..] : yaml; // a BOM would otherwise become part of the first key

        var scanner = new Scanner(new StringReader(text));
        var parser = new StrictEventParser(new Parser(scanner));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
                throw Empty();
            parser.Consume<DocumentStart>();
            if (parser.Current is Scalar scalar && RawNodeReader.IsNull(scalar))
                throw Empty();
            if (parser.Current is not MappingStart)
                throw ConfigError.At(parser.Current!.Start,
                    $"the file must be a mapping of keys (image, script, …), found {RawNodeReader.Describe(parser.Current)}");

            var raw = Deserializer.Deserialize<RawJobConfig>(parser);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
                throw ConfigError.At(parser.Current!.Start, "the file holds more than one YAML document: remove the second '---'");
            return raw;
        }
        catch (SyntaxErrorException) when (TabIndentation(text, scanner.CurrentPosition) is { } tab)
        {
            // YamlDotNet reports a tab in indentation at the enclosing mapping's start; the scanner
            // stopped on the line with the tab, which is where the reader needs to look.
            throw ConfigError.At(tab, "tabs are not allowed in indentation: indent with spaces");
        }
    }

    private static YamlException Empty() =>
        ConfigError.At(FileStart, "the file is empty: it needs at least 'image' (or 'build') and 'script'");

    /// <summary>The first tab among the leading blanks of the line <paramref name="at"/> is on, if any.</summary>
    private static Mark? TabIndentation(string text, Mark at)
    {
        var lineStart = 0;
        for (var line = 1; line < at.Line; line++)
        {
            var end = text.IndexOfAny(['\r', '\n'], lineStart);
            if (end < 0) return null;
            lineStart = end + (text[end] == '\r' && end + 1 < text.Length && text[end + 1] == '\n' ? 2 : 1);
        }
        for (var index = lineStart; index < text.Length && text[index] is ' ' or '\t'; index++)
        {
            if (text[index] == '\t') return new Mark(index, at.Line, index - lineStart + 1);
        }
        return null;
    }
}
