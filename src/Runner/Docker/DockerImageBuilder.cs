using System.Net;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Runs an image build with the engine's legacy builder (see <see cref="IContainerEngine.BuildImageAsync"/>):
/// the parameters and the reading of progress messages come from <see cref="DockerImageBuild"/>.
/// </summary>
internal sealed class DockerImageBuilder(DockerClient client, ILogger logger)
{
    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Func<string, CancellationToken, ValueTask> onOutput,
        Func<string, CancellationToken, Task<string?>> inspectImageId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onOutput);
        var parameters = DockerImageBuild.Parameters(request);

        // Docker.DotNet reports the progress messages in order on its reading thread; the output callback is
        // asynchronous, so they pass through a channel to this method's loop.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var messages = Channel.CreateUnbounded<JSONMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // No timeout: a build runs the job's own steps and lasts as long as they do. Only the token ends it early.
        var build = DockerEngine.CallAsync(DockerOperations.BuildImage, Timeout.InfiniteTimeSpan, async token =>
        {
            try
            {
                await client.Images.BuildImageFromDockerfileAsync(parameters, new CallerOwnedStream(request.ContextTar), null, null,
                    new Progress<JSONMessage>(messages.Writer), token);
            }
            finally
            {
                messages.Writer.TryComplete();
            }
            return true;
        }, stop.Token);

        // 200 only means the build started: a failed step arrives as an error message of the progress stream.
        string? imageId = null;
        string? failure = null;
        try
        {
            await foreach (var message in messages.Reader.ReadAllAsync(ct))
            {
                var progress = DockerImageBuild.Read(message);
                if (progress.Output is { Length: > 0 } output) await onOutput(output, ct);
                if (progress.ImageId is { } id) imageId = id;
                failure ??= progress.Error;
            }
        }
        catch
        {
            // The caller gave up (or its callback failed): end the build's request too before passing that on.
            await stop.CancelAsync();
            await build.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        try
        {
            await build;
        }
        catch (DockerEngineException ex) when (DockerErrors.IsBuildRejection(ex.StatusCode, ex.EngineMessage))
        {
            failure = ex.EngineMessage;
        }
        if (failure is not null)
        {
            logger.LogInformation("Build of {Tag} failed: {Error}", request.Tag, failure);
            return ImageBuildResult.Failed(failure);
        }

        // Engines that do not send aux.ID: the tag now names the new image.
        imageId ??= await inspectImageId(request.Tag, ct)
            ?? throw new DockerEngineException(DockerOperations.BuildImage, HttpStatusCode.OK,
                $"the build reported no error but image {request.Tag} is not present");
        logger.LogDebug("Built image {Tag} ({ImageId})", request.Tag, imageId);
        return ImageBuildResult.Succeeded(imageId);
    }

    /// <summary>Hands each progress message to a channel, synchronously (<see cref="System.Progress{T}"/> would post them out of order).</summary>
    private sealed class Progress<T>(ChannelWriter<T> writer) : IProgress<T>
    {
        public void Report(T value) => writer.TryWrite(value);
    }
}
