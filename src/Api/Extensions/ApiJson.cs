using System.Text.Json;
using System.Text.Json.Serialization;
using Narwhal.Api.Errors;

namespace Narwhal.Api.Extensions;

/// <summary>
/// How the Api reads request bodies: Narwhal's JSON shape (<see cref="Narwhal.Core.Persistence.Json"/>) made strict,
/// so that what a client sends means one thing. Errors are worded by <see cref="Errors.JsonErrorMessages"/>.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        Narwhal.Core.Persistence.Json.Configure(options);
        // A key sent twice would silently mean the last one (or the first, to another reader): refused.
        options.AllowDuplicateProperties = false;
        // The web defaults read "30" as 30; a string where a number belongs is a client bug, not a number.
        options.NumberHandling = JsonNumberHandling.Strict;
        // U+0000 in any string field, list item or map key: one check for every field, present and future.
        options.Converters.Insert(0, new NulFreeStringConverter());
        return options;
    }
}
