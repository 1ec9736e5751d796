using System.Text.Json;
using System.Text.Json.Serialization;

namespace Narwhal.Api.Errors;

/// <summary>
/// Refuses U+0000 in every string it reads (values and dictionary keys): Postgres <c>text</c> and <c>jsonb</c> cannot
/// hold it (22P05) and an environment variable cannot carry it, so it is stopped where the JSON is read, for every
/// field at once, instead of failing later as a 500 or a run that can never start.
/// </summary>
public sealed class NulFreeStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString())!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    private static string? Checked(string? value) =>
        value is not null && value.Contains('\0') ? throw new NulCharacterException() : value;
}

/// <summary>A JSON string held U+0000; the serializer adds the JSON path (<see cref="JsonException.Path"/>).</summary>
public sealed class NulCharacterException() : JsonException("The value contains U+0000 (NUL), which cannot be stored or passed on.");
