using Narwhal.Api.Validation;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Runs;

/// <summary>
/// The values an approval gives a gate's fields, checked against them: no unknown field, every required one given
/// (or defaulted), a value among the options when there are options. Defaults fill what the approval leaves out.
/// </summary>
public static class GateInputs
{
    /// <summary>The inputs to record (field order), or null with <paramref name="errors"/> naming each bad field (<c>fields.NAME</c>).</summary>
    public static IReadOnlyDictionary<string, string>? Resolve(BlockSpec gate, IReadOnlyDictionary<string, string?>? given, ValidationErrors errors)
    {
        given ??= new Dictionary<string, string?>();
        var before = errors.Count;
        foreach (var name in given.Keys.Where(name => !gate.Fields.Any(f => f.Name == name)))
            errors.Add($"fields.{name}", gate.Fields.Count == 0
                ? $"Unknown field '{name}': this gate asks for no input."
                : $"Unknown field '{name}': this gate's fields are {string.Join(", ", gate.Fields.Select(f => f.Name))}.");

        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in gate.Fields)
        {
            var value = given.TryGetValue(field.Name, out var written) && !string.IsNullOrEmpty(written) ? written : field.Default;
            if (value is null)
            {
                if (field.Required) errors.Add($"fields.{field.Name}", $"Required: {field.Description ?? $"a value for {field.Name}"}.");
                continue;
            }
            if (value.Length > BlockRules.MaxValueLength)
                errors.Add($"fields.{field.Name}", $"At most {BlockRules.MaxValueLength} characters.");
            else if (value.Contains('\0'))
                errors.Add($"fields.{field.Name}", "A NUL character cannot be part of an environment variable.");
            else if (field.Options is { Count: > 0 } options && !options.Contains(value, StringComparer.Ordinal))
                errors.Add($"fields.{field.Name}", $"'{value}' is not one of {string.Join(", ", options)}.");
            else
                inputs[field.Name] = value;
        }
        return errors.Count > before ? null : inputs;
    }
}
