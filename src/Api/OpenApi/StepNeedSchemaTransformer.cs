using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Narwhal.Api.Dtos;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// A need is read and written by its own converter (<see cref="StepNeedJsonConverter"/>), which the schema generator
/// cannot see into (it leaves the items of <c>needs</c> undescribed): the document says what it takes, a step key or
/// <c>{ step, artifacts }</c>.
/// </summary>
public sealed class StepNeedSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(JobStepDto) || schema.Properties?.TryGetValue("needs", out var needs) != true
            || needs is not OpenApiSchema list) return Task.CompletedTask;
        list.Items = new OpenApiSchema
        {
            Description = "A step key (\"build\"), or { \"step\": \"build\", \"artifacts\": false } to leave that step's artifacts out of this step's workspace.",
            OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.String, Description = "The key of the step needed; its artifacts are placed in the workspace." },
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "step" },
                    AdditionalPropertiesAllowed = false,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["step"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The key of the step needed." },
                        ["artifacts"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "false: its artifacts are not placed in the workspace (default true)." },
                    },
                },
            ],
        };
        return Task.CompletedTask;
    }
}
