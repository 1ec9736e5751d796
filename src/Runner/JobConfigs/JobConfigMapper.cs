using System.Collections.ObjectModel;
using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// The rules of docs/job-config.md beyond the file's shape, applied to the raw records: required and
/// exclusive keys, names, paths, quantities. Each failure points at the node it is about.
/// </summary>
internal static class JobConfigMapper
{
    /// <summary>A file without <c>steps</c>: the one run it describes.</summary>
    public static JobConfig ToJobConfig(RawJobConfig raw)
    {
        RefusePipelineOnly(raw, "failFast", "it says what a pipeline does when a step fails, and this file has no 'steps'");
        RefusePipelineOnly(raw, "retry", "at the top of the file it is a default for 'steps', and this file has none: set the job's retry instead");
        RefusePipelineOnly(raw, "resourceClass",
            "at the top of the file it is a default for 'steps', and this file has none: set the job's resourceClass instead");
        return Execution(raw, ExecutionOwner.Job(raw.Start));
    }

    /// <summary>What a file without steps, or a step with the defaults merged in, executes.</summary>
    public static JobConfig Execution(RawExecution raw, ExecutionOwner owner)
    {
        var (image, build) = ImageOrBuild(raw, raw.Image, raw.Build, owner.Start, owner.Name, owner.DefaultHint);
        if (raw.Script is null)
            throw ConfigError.At(owner.Start, $"{owner.Name} needs 'script': the commands to run{owner.DefaultHint}");
        return Optional(raw, owner) with { Image = image, Build = build };
    }

    /// <summary>The defaults beside <c>steps</c>: each as valid as in a step, none required.</summary>
    public static void CheckDefaults(RawExecution raw, ExecutionOwner owner)
    {
        if (raw.Image is not null || raw.Build is not null)
            ImageOrBuild(raw, raw.Image, raw.Build, owner.Start, owner.Name);
        Optional(raw, owner);
    }

    private static void RefusePipelineOnly(RawJobConfig raw, string key, string why)
    {
        if (raw.Has(key))
            throw ConfigError.At(raw.KeyStart(key), $"'{key}' belongs to a pipeline: {why}");
    }

    /// <summary>Every key but image and build, in the order problems are reported; a missing script is left empty.</summary>
    private static JobConfig Optional(RawExecution raw, ExecutionOwner owner)
    {
        var env = Variables(raw.Env, "'env'", refuseReserved: true);
        return new JobConfig
        {
            Script = raw.Script is null ? [] : Script(raw.Script),
            Env = env,
            Services = Services(raw.Services),
            Timeout = raw.Timeout is null ? null : Quantities.Duration(raw.Timeout, "'timeout'"),
            Resources = raw.Resources is null ? null : Resources(raw.Resources),
            Results = raw.Results is null ? new ResultsConfig() : Results(raw.Results),
            Secrets = Secrets(raw.Secrets, env, owner),
            User = raw.User is null ? null : ConfigNames.User(raw.User),
            Caches = raw.Cache is null ? [] : CacheConfigMapper.Caches(raw.Cache),
        };
    }

    /// <summary>
    /// Exactly one of the two; <paramref name="missingAt"/> is where to point when neither is there.
    /// A step may get one of them from the top-level defaults: both is then the step's key against the default.
    /// </summary>
    private static (string? Image, BuildConfig? Build) ImageOrBuild(RawSection owner, RawScalar? image, RawBuild? build, Mark missingAt,
        string ownerName, string missingHint = "")
    {
        if (image is not null && build is not null)
        {
            if (owner.Has("image") && owner.Has("build"))
            {
                var second = owner.KeyStart("image") > owner.KeyStart("build") ? "image" : "build";
                throw ConfigError.At(owner.KeyStart(second), $"{ownerName} sets both 'image' and 'build': keep one");
            }
            var own = owner.Has("image") ? "image" : "build";
            var other = own == "image" ? "build" : "image";
            throw ConfigError.At(owner.KeyStart(own),
                $"{ownerName} sets '{own}' and the top level sets '{other}' for every step: a step runs in one of them; " +
                $"move '{other}' into the steps that use it");
        }
        if (image is null && build is null)
            throw ConfigError.At(missingAt, $"{ownerName} needs 'image' (a ready image) or 'build' (a Dockerfile in the repository){missingHint}");
        return (image is null ? null : Image(image), build is null ? null : Build(build));
    }

    private static string Image(RawScalar image)
    {
        if (image.Value.Length == 0 || image.Value.Any(character => char.IsWhiteSpace(character) || char.IsControl(character)))
            throw ConfigError.At(image.Start, $"'image' must be an image reference such as debian:bookworm, found '{image.Value}'");
        return image.Value;
    }

    private static BuildConfig Build(RawBuild raw)
    {
        var defaults = new BuildConfig();
        var context = raw.Context is null ? defaults.Context : RepoPaths.Inside(raw.Context, "'context'");
        // As docker build: -f is relative to where it runs (the repository root), and without it
        // the Dockerfile is the one at the top of the context.
        var contextFolder = RepoPaths.Normalize(context);
        return new BuildConfig
        {
            Dockerfile = raw.Dockerfile is not null ? RepoPaths.Inside(raw.Dockerfile, "'dockerfile'")
                : contextFolder.Length == 0 ? defaults.Dockerfile : $"{contextFolder}/{defaults.Dockerfile}",
            Context = context,
            Args = Variables(raw.Args, "'args'", refuseReserved: false),
        };
    }

    private static IReadOnlyList<string> Script(RawList script)
    {
        if (script.Items.Count == 0)
            throw ConfigError.At(script.Start, "'script' is empty: give at least one command");
        return [.. script.Items.Select(command => NonBlank(command, "'script' has an empty command"))];
    }

    /// <summary>A string runs through the shell; a list is the argv as written.</summary>
    private static IReadOnlyList<string> Command(RawList command)
    {
        if (command.IsSingleValue)
            return ["/bin/sh", "-c", NonBlank(command.Items[0], "'command' is empty")];
        if (command.Items.Count == 0)
            throw ConfigError.At(command.Start, "'command' is empty: leave it out to keep the image's command");
        return [.. command.Items.Select(argument => argument.Value)];
    }

    private static IReadOnlyDictionary<string, string> Variables(RawMap<RawScalar>? raw, string where, bool refuseReserved)
    {
        var variables = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in raw?.Entries ?? [])
            variables.Add(ConfigNames.Variable(name, where, refuseReserved), value.Value);
        return new ReadOnlyDictionary<string, string>(variables);
    }

    private static IReadOnlyList<string> Secrets(RawList? raw, IReadOnlyDictionary<string, string> env, ExecutionOwner owner)
    {
        var secrets = new List<string>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in raw?.Items ?? [])
        {
            var name = ConfigNames.Variable(item, "'secrets'", refuseReserved: true);
            if (!listed.Add(name))
                throw ConfigError.At(item.Start, $"'{name}' is listed twice in 'secrets'");
            if (env.ContainsKey(name))
                throw ConfigError.At(item.Start, $"'{name}' is both in 'secrets' and in {owner.EnvName}: a variable comes from one of them");
            secrets.Add(name);
        }
        return secrets.AsReadOnly();
    }

    private static IReadOnlyDictionary<string, ServiceConfig> Services(RawMap<RawService>? raw)
    {
        var services = new OrderedDictionary<string, ServiceConfig>(StringComparer.Ordinal);
        foreach (var (name, service) in raw?.Entries ?? [])
            services.Add(ConfigNames.Service(name), Service(name, service));
        return new ReadOnlyDictionary<string, ServiceConfig>(services);
    }

    private static ServiceConfig Service(RawScalar name, RawService raw)
    {
        var owner = $"service '{name.Value}'";
        var (image, build) = ImageOrBuild(raw, raw.Image, raw.Build, name.Start, owner);
        if (raw.ReadyTimeout is not null && raw.Ready is null)
            throw ConfigError.At(raw.KeyStart("readyTimeout"), $"{owner} sets 'readyTimeout' without 'ready': nothing would be waited for");
        return new ServiceConfig
        {
            Image = image,
            Build = build,
            Env = Variables(raw.Env, "'env'", refuseReserved: true),
            Command = raw.Command is null ? null : Command(raw.Command),
            Ready = raw.Ready is null ? null : NonBlank(raw.Ready, "'ready' is empty"),
            ReadyTimeout = raw.ReadyTimeout is null ? ServiceConfig.DefaultReadyTimeout : Quantities.Duration(raw.ReadyTimeout, "'readyTimeout'"),
        };
    }

    private static ResourcesConfig Resources(RawResources raw) => new()
    {
        Cpus = raw.Cpus is null ? null : Quantities.Cpus(raw.Cpus, "'cpus'"),
        MemoryBytes = raw.Memory is null ? null : Quantities.MemoryBytes(raw.Memory, "'memory'"),
    };

    private static ResultsConfig Results(RawResults raw) => new()
    {
        Junit = Globs(raw.Junit, "'junit'"),
        Artifacts = Globs(raw.Artifacts, "'artifacts'"),
    };

    private static IReadOnlyList<string> Globs(RawList? raw, string what) =>
        [.. (raw?.Items ?? []).Select(glob => RepoPaths.Glob(glob, what))];

    private static string NonBlank(RawScalar value, string problem) =>
        string.IsNullOrWhiteSpace(value.Value) ? throw ConfigError.At(value.Start, problem) : value.Value;
}
