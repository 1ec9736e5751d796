using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Storage;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary><see cref="S3ObjectStore"/> on a bucket that does not exist yet, and its guard on settings.</summary>
[TestFixture]
public sealed class S3ObjectStoreBucket_Specs
{
    private static CancellationToken Ct => TestContext.CurrentContext.CancellationToken;

    private static async Task WithMissingBucketAsync(Func<S3ObjectStore, Task> test)
    {
        var settings = TestBucket.NewSettings();
        using var store = new S3ObjectStore(settings, NullLogger<S3ObjectStore>.Instance);
        try
        {
            await test(store);
        }
        finally
        {
            using var client = S3ClientFactory.Create(settings);
            await TestBucket.DeleteBucketAsync(client, settings.Bucket, CancellationToken.None);
        }
    }

    [Test]
    public Task When_the_bucket_is_missing_Should_EnsureBucket_create_it_and_a_second_call_change_nothing() =>
        WithMissingBucketAsync(async store =>
        {
            await store.EnsureBucketAsync(Ct);
            await store.PutAsync("kept", new MemoryStream("x"u8.ToArray()), "text/plain", Ct);
            await store.EnsureBucketAsync(Ct);

            Assert.That((await store.StatAsync("kept", Ct))?.Size, Is.EqualTo(1));
        });

    [Test]
    public Task When_the_bucket_is_missing_Should_get_throw_rather_than_answer_missing_key() =>
        WithMissingBucketAsync(store =>
        {
            var thrown = Assert.ThrowsAsync<AmazonS3Exception>(async () => await store.GetAsync("any", null, Ct));
            Assert.That(thrown!.ErrorCode, Is.EqualTo("NoSuchBucket"));
            return Task.CompletedTask;
        });

    [Test]
    public void When_the_part_size_is_below_S3s_minimum_Should_refuse_to_start()
    {
        var settings = TestBucket.NewSettings() with { PartSizeBytes = S3ObjectStore.MinPartSizeBytes - 1 };
        Assert.That(() => new S3ObjectStore(settings, NullLogger<S3ObjectStore>.Instance), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [TestCase(0)]
    [TestCase(1001)]
    public void When_the_list_page_size_is_outside_1_to_1000_Should_refuse(int pageSize)
    {
        Assert.That(() => new S3ObjectStore(TestBucket.NewSettings(), NullLogger<S3ObjectStore>.Instance) { ListPageSize = pageSize },
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
