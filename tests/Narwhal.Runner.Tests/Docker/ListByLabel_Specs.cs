using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Listing by label is how a Runner finds its own leftovers: every given label must match.</summary>
[TestFixture]
public sealed class When_containers_are_listed_by_label : DockerEngineTestBase
{
    [Test]
    public async Task Should_find_exactly_the_containers_carrying_every_label()
    {
        var listed = new Dictionary<string, string> { ["narwhal.role"] = "listed" };
        var other = new Dictionary<string, string> { ["narwhal.role"] = "other" };
        var ids = new List<string>();
        try
        {
            ids.Add(await Engine.CreateContainerAsync(Shell("true", listed), Deadline));
            ids.Add(await Engine.CreateContainerAsync(Shell("true", listed), Deadline));
            ids.Add(await Engine.CreateContainerAsync(Shell("true", other), Deadline));
            await Engine.StartContainerAsync(ids[1], Deadline);
            await Engine.WaitAsync(ids[1], Deadline);

            var found = await Engine.ListContainersAsync(new Dictionary<string, string>(TestLabels) { ["narwhal.role"] = "listed" }, Deadline);
            var all = await Engine.ListContainersAsync(TestLabels, Deadline);

            Assert.That(found.Select(container => container.Id), Is.EquivalentTo(ids.Take(2)));
            Assert.That(found.Select(container => container.State), Is.EquivalentTo(new[] { "created", "exited" }));
            Assert.That(found.Select(container => container.Image), Is.All.EqualTo(TestEnvironment.BusyboxImage));
            Assert.That(found.Select(container => container.Labels[InstanceLabel]), Is.All.EqualTo(Instance));
            Assert.That(found.SelectMany(container => container.Names), Is.All.StartWith($"/{Instance}-"));
            Assert.That(all.Select(container => container.Id), Is.EquivalentTo(ids));
        }
        finally
        {
            foreach (var id in ids) await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }
}
