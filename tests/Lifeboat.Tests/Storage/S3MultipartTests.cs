using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>Objects above the multipart threshold go up in parts and read back identical.</summary>
[Collection(S3rverCollection.Name)]
public sealed class S3MultipartTests(S3rverFixture server)
{
    [Fact]
    public async Task An_object_above_the_threshold_is_uploaded_in_parts_and_reads_back_identical()
    {
        using var store = server.NewStore(options: S3rverFixture.FastRetries with { MultipartThreshold = 6 * 1024 * 1024, PartSize = 5 * 1024 * 1024 });
        var data = TestData.Random(13 * 1024 * 1024 + 17, 5);
        var name = new BlobName(BlobKind.Pack, "ab" + new string('c', 62));
        await store.PutAsync(name, data, CancellationToken.None);

        Assert.Equal(data, await store.GetAsync(name, CancellationToken.None));
        Assert.Equal(data.Length, await store.GetSizeAsync(name, CancellationToken.None));
        var middle = new byte[1000];
        await store.ReadAtAsync(name, 6 * 1024 * 1024 - 500, middle, CancellationToken.None);
        Assert.Equal(data.AsSpan(6 * 1024 * 1024 - 500, 1000).ToArray(), middle);
        await Assert.ThrowsAsync<BlobExistsException>(() => store.PutAsync(name, data, CancellationToken.None));
    }

    [Fact]
    public async Task A_completion_whose_answer_is_lost_is_recognised_as_done_on_retry_and_the_object_reads_back_identical()
    {
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 7) { LoseNextCompletions = 1 };
        using var store = server.NewStore(proxy.Endpoint, S3rverFixture.FastRetries with { MultipartThreshold = 6 * 1024 * 1024, PartSize = 5 * 1024 * 1024 });
        var data = TestData.Random(11 * 1024 * 1024 + 3, 9);
        var name = new BlobName(BlobKind.Pack, "cd" + new string('e', 62));

        await store.PutAsync(name, data, CancellationToken.None);

        Assert.Equal(0, proxy.LoseNextCompletions);
        Assert.Equal(data, await store.GetAsync(name, CancellationToken.None));
    }
}
