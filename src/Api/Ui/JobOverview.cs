using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui;

/// <summary>A live job as the web UI's job list shows it: what it is, and its newest run (null when it never ran).</summary>
public sealed record JobOverview(string Name, JobType Type, string ResourceClass, string? Description, Run? LastRun);
