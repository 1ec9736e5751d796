using System.Text.Json;
using System.Text.Json.Serialization;

namespace Narwhal.Cli;

public sealed class ContextEntry
{
    public string Url { get; set; } = "";
    public string? Token { get; set; }
}

public sealed class ConfigFile
{
    public string? CurrentContext { get; set; }
    public SortedDictionary<string, ContextEntry> Contexts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// <c>$XDG_CONFIG_HOME/narwhal/config.json</c> (else <c>~/.config/narwhal/config.json</c>): named
/// contexts (URL + token) and the current one. Written owner-only (0600), since it holds tokens.
/// </summary>
public sealed class ConfigStore(IReadOnlyDictionary<string, string?> env)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Path
    {
        get
        {
            var xdg = env.GetValueOrDefault("XDG_CONFIG_HOME");
            var baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : System.IO.Path.Combine(env.GetValueOrDefault("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return System.IO.Path.Combine(baseDir, "narwhal", "config.json");
        }
    }

    public ConfigFile Load()
    {
        var path = Path;
        if (!File.Exists(path)) return new ConfigFile();
        try
        {
            var config = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), Options) ?? new ConfigFile();
            config.Contexts = new SortedDictionary<string, ContextEntry>(config.Contexts ?? new(), StringComparer.Ordinal);
            return config;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Config, $"cannot read {path}: {e.Message}");
        }
    }

    public void Save(ConfigFile config)
    {
        var path = Path;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var temp = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(JsonSerializer.Serialize(config, Options));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Config, $"cannot write {path}: {e.Message}");
        }
    }
}
