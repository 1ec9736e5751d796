using System.Formats.Tar;
using Dapper;
using Narwhal.Core.Results;
using Narwhal.Core.Storage;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Npgsql;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// Places the stored artifacts of the steps a step needs (its <see cref="ClaimedStep.ArtifactsFrom"/>) at
/// their paths in its workspace, before its script starts: what <c>build</c> left in <c>dist/</c> is in
/// <c>dist/</c> for <c>test</c>. They come from the object store, so the step may run on any Runner. Each
/// file is fetched into this Runner's work directory first (a tar entry needs its length and the engine's
/// upload must not stall on S3), then the whole set goes into the container in one archive.
/// </summary>
public sealed class StepArtifacts(NpgsqlDataSource db, RunFileStore files, IObjectStore store, IContainerEngine engine, RunnerSettings settings,
    ILogger<StepArtifacts> logger)
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public async Task PlaceAsync(ClaimedRun claimed, string containerId, string? user, LogSpool log, CancellationToken ct)
    {
        if (claimed.Step is not { ArtifactsFrom.Count: > 0 } step) return;
        var sources = await CurrentRowsAsync(step, ct);
        var directory = Path.Combine(settings.WorkDirectory, $"artifacts-{claimed.Run.Id:N}-{claimed.AttemptId:N}");
        Directory.CreateDirectory(directory);
        try
        {
            var fetched = new List<(string Path, string File)>();
            foreach (var (key, runId) in sources)
            {
                var stored = await files.ListAsync(runId, RunFileKind.Artifact, ct);
                foreach (var file in stored)
                {
                    var local = Path.Combine(directory, fetched.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (await FetchAsync(file, local, ct)) fetched.Add((file.Path, local));
                    else await log.WriteNoticeAsync($"Warning: artifact {file.Path} of step '{key}' is missing from storage; not placed.");
                }
            }
            if (fetched.Count == 0) return;

            var (uid, gid) = ContainerSpecFactory.WorkspaceOwner(user);
            var archive = Path.Combine(directory, "artifacts.tar");
            await WriteArchiveAsync(archive, fetched, uid, gid, ct);
            await using (var tar = File.OpenRead(archive))
                await engine.PutArchiveAsync(containerId, "/", tar, ct);
            var bytes = fetched.Sum(f => new FileInfo(f.File).Length);
            await log.WriteNoticeAsync(
                $"Placed {fetched.Count} artifact{(fetched.Count == 1 ? "" : "s")} ({bytes} bytes) of step{(sources.Count == 1 ? "" : "s")} " +
                $"{string.Join(", ", sources.Select(s => $"'{s.Key}'"))} in {ContainerSpecFactory.WorkspacePath}.");
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "Removing the artifacts fetched for run {RunId} failed", claimed.Run.Id);
            }
        }
    }

    /// <summary>The current attempt of each need, in the pipeline's order: a later step's file wins over an earlier one's at the same path.</summary>
    private async Task<IReadOnlyList<(string Key, Guid RunId)>> CurrentRowsAsync(ClaimedStep step, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<(string Key, Guid RunId)>(new CommandDefinition("""
            SELECT key, run_id FROM run_steps
            WHERE parent_run_id = @parentId AND superseded_at IS NULL AND key = ANY(@keys)
            ORDER BY position
            """, new { parentId = step.ParentRunId, keys = step.ArtifactsFrom.ToArray() }, cancellationToken: ct))).ToList();
    }

    private async Task<bool> FetchAsync(RunFile file, string local, CancellationToken ct)
    {
        var stored = await store.GetAsync(file.ObjectKey, null, ct);
        if (stored is null) return false;
        await using (stored.Content)
        await using (var target = File.Create(local))
            await stored.Content.CopyToAsync(target, ct);
        return true;
    }

    /// <summary>Entries under workspace/, their directories first, owned by the step's user so its script may change them.</summary>
    private static async Task WriteArchiveAsync(string archive, IReadOnlyList<(string Path, string File)> fetched, int uid, int gid, CancellationToken ct)
    {
        var root = ContainerSpecFactory.WorkspacePath.Trim('/');
        await using var output = File.Create(archive);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: false);
        var directories = fetched
            .SelectMany(f => Parents(f.Path))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var parent in directories)
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, $"{root}/{parent}/")
            {
                Mode = DirectoryMode, Uid = uid, Gid = gid, ModificationTime = DateTimeOffset.UtcNow,
            }, ct);
        }
        foreach (var (path, file) in fetched)
        {
            await using var content = File.OpenRead(file);
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, $"{root}/{path}")
            {
                Mode = FileMode, Uid = uid, Gid = gid, ModificationTime = DateTimeOffset.UtcNow, DataStream = content,
            }, ct);
        }
    }

    private static IEnumerable<string> Parents(string path)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            yield return path[..slash];
    }
}
